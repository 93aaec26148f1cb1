import { type DynamicModule, Module } from '@nestjs/common';
import { loadConfig } from './load-config';

/** Provides an app's validated configuration class, under its own class as token, everywhere in the app. */
@Module({})
export class HubConfigModule {
  static forRoot<T extends object>(schema: new () => T): DynamicModule {
    return {
      module: HubConfigModule,
      global: true,
      providers: [{ provide: schema, useFactory: () => loadConfig(schema) }],
      exports: [schema],
    };
  }
}
