// class-transformer keeps @Type metadata in an internal singleton that it does not re-export; the
// CommonJS build exposes it here (class-validator-jsonschema documents the same import).
declare module 'class-transformer/cjs/storage' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}
