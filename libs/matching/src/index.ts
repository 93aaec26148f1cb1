// Handling rules and (later) the subscription index: pure TypeScript over '@hub/contracts'.
export { mayRead, readScope, type ReadScope, type ReaderProfile, type RecordAudience } from './handling.rule';
