/**
 * A loopback-only, fault-injecting HTTP/1.1 server for the engine's integration tests and
 * benchmarks. See test/fault-server/types.ts for the API and its exact semantics.
 */
export { startFaultServer } from './fault-server/server.ts'
export { makeBody } from './fault-server/bodies.ts'
export { defaultLastModified, strongEtag } from './fault-server/http-semantics.ts'
export type {
  Fault,
  FaultContext,
  FaultServer,
  FileOptions,
  Handler,
  RawEnding,
  RecordedRequest,
  RequestedRange,
} from './fault-server/types.ts'
