// opentelemetry/proto/collector/logs/v1/logs_service.proto of opentelemetry-proto v1.x
// (Copyright The OpenTelemetry Authors, Apache License 2.0): the request and response
// messages as published, with their field numbers; comments shortened.

/** The OTLP logs export request and response (what `POST /v1/logs` carries). */
export const LOGS_SERVICE_PROTO = `
syntax = "proto3";

package opentelemetry.proto.collector.logs.v1;

import "opentelemetry/proto/logs/v1/logs.proto";

// Service that can be used to push logs between one Application instrumented with
// OpenTelemetry and a collector, or between a collector and a central collector.
service LogsService {
  rpc Export(ExportLogsServiceRequest) returns (ExportLogsServiceResponse) {}
}

message ExportLogsServiceRequest {
  // An array of ResourceLogs.
  repeated opentelemetry.proto.logs.v1.ResourceLogs resource_logs = 1;
}

message ExportLogsServiceResponse {
  // The details of a partially successful export request. When the request is fully
  // accepted, the server leaves partial_success unset.
  ExportLogsPartialSuccess partial_success = 1;
}

message ExportLogsPartialSuccess {
  // The number of rejected log records. A 0 value indicates that the request was fully
  // accepted.
  int64 rejected_log_records = 1;

  // A developer-facing human-readable message in English, explaining why the server
  // rejected parts of the data.
  string error_message = 2;
}
`
