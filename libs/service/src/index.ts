// Decorator metadata (Nest, class-validator's type conversion) needs this before any class is defined.
import 'reflect-metadata';
export * from './hub-service.module';
export * from './run-service';
export * from './service-settings';
