/**
 * The OTLP trace messages, loaded with protobufjs from the official .proto files in ./proto (kept as
 * published, license headers included). They are read from the package root at run time, so the source
 * tree (tests) and the bundle in dist/server find the same files.
 */
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { projectRoot } from '../paths';

/** Folder holding `opentelemetry/proto/...`. */
export const otlpProtoDir = join(projectRoot, 'server/traces/proto');

export interface OtlpTypes {
  request: protobuf.Type;
  response: protobuf.Type;
  /** google.rpc.Status, the body of OTLP/HTTP error answers. */
  status: protobuf.Type;
}

let loaded: OtlpTypes | null = null;

/** Loads the definitions once (synchronously: a few small files, the first time a request needs them). */
export function otlpTypes(): OtlpTypes {
  if (loaded) return loaded;
  const root = new protobuf.Root();
  // Imports name files from the proto root (`opentelemetry/proto/common/v1/common.proto`).
  root.resolvePath = (_origin, target) => join(otlpProtoDir, target);
  root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto', { keepCase: false });
  // google.rpc.Status (google/rpc/status.proto) is three fields; its `details` (google.protobuf.Any) are
  // never sent here, so the field is declared as raw bytes messages of the same number and wire type.
  const status = new protobuf.Type('Status')
    .add(new protobuf.Field('code', 1, 'int32'))
    .add(new protobuf.Field('message', 2, 'string'))
    .add(new protobuf.Field('details', 3, 'bytes', 'repeated'));
  root.define('google.rpc').add(status);
  root.resolveAll();
  loaded = {
    request: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
    response: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse'),
    status: root.lookupType('google.rpc.Status'),
  };
  return loaded;
}
