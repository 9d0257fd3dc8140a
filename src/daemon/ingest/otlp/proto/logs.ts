// opentelemetry/proto/logs/v1/logs.proto of opentelemetry-proto v1.x (Copyright The
// OpenTelemetry Authors, Apache License 2.0): the messages and enums as published, with
// their field numbers and reserved numbers; comments shortened.

/** The OTLP logs data model (LogsData, ResourceLogs, ScopeLogs, LogRecord, SeverityNumber). */
export const LOGS_PROTO = `
syntax = "proto3";

package opentelemetry.proto.logs.v1;

import "opentelemetry/proto/common/v1/common.proto";
import "opentelemetry/proto/resource/v1/resource.proto";

// LogsData represents the logs data that can be stored in a persistent storage, OR can be
// embedded by other protocols that transfer OTLP logs data but do not implement the OTLP
// protocol.
message LogsData {
  // An array of ResourceLogs.
  repeated ResourceLogs resource_logs = 1;
}

// A collection of ScopeLogs from a Resource.
message ResourceLogs {
  reserved 1000;

  // The resource for the logs in this message.
  // If this field is not set then resource info is unknown.
  opentelemetry.proto.resource.v1.Resource resource = 1;

  // A list of ScopeLogs that originate from a resource.
  repeated ScopeLogs scope_logs = 2;

  // The Schema URL, if known. It applies to the data in the "resource" field.
  string schema_url = 3;
}

// A collection of Logs produced by a Scope.
message ScopeLogs {
  // The instrumentation scope information for the logs in this message.
  opentelemetry.proto.common.v1.InstrumentationScope scope = 1;

  // A list of log records.
  repeated LogRecord log_records = 2;

  // The Schema URL, if known. It applies to the "scope" field and all "log_records".
  string schema_url = 3;
}

// Possible values for LogRecord.SeverityNumber.
enum SeverityNumber {
  // UNSPECIFIED is the default SeverityNumber, it MUST NOT be used.
  SEVERITY_NUMBER_UNSPECIFIED = 0;
  SEVERITY_NUMBER_TRACE  = 1;
  SEVERITY_NUMBER_TRACE2 = 2;
  SEVERITY_NUMBER_TRACE3 = 3;
  SEVERITY_NUMBER_TRACE4 = 4;
  SEVERITY_NUMBER_DEBUG  = 5;
  SEVERITY_NUMBER_DEBUG2 = 6;
  SEVERITY_NUMBER_DEBUG3 = 7;
  SEVERITY_NUMBER_DEBUG4 = 8;
  SEVERITY_NUMBER_INFO   = 9;
  SEVERITY_NUMBER_INFO2  = 10;
  SEVERITY_NUMBER_INFO3  = 11;
  SEVERITY_NUMBER_INFO4  = 12;
  SEVERITY_NUMBER_WARN   = 13;
  SEVERITY_NUMBER_WARN2  = 14;
  SEVERITY_NUMBER_WARN3  = 15;
  SEVERITY_NUMBER_WARN4  = 16;
  SEVERITY_NUMBER_ERROR  = 17;
  SEVERITY_NUMBER_ERROR2 = 18;
  SEVERITY_NUMBER_ERROR3 = 19;
  SEVERITY_NUMBER_ERROR4 = 20;
  SEVERITY_NUMBER_FATAL  = 21;
  SEVERITY_NUMBER_FATAL2 = 22;
  SEVERITY_NUMBER_FATAL3 = 23;
  SEVERITY_NUMBER_FATAL4 = 24;
}

// LogRecordFlags represents constants used to interpret the LogRecord.flags field.
enum LogRecordFlags {
  // The zero value for the enum. Should not be used for comparisons.
  LOG_RECORD_FLAGS_DO_NOT_USE = 0;

  // Bits 0-7 are used for trace flags.
  LOG_RECORD_FLAGS_TRACE_FLAGS_MASK = 0x000000FF;
}

// A log record according to OpenTelemetry Log Data Model.
message LogRecord {
  reserved 4;

  // time_unix_nano is the time when the event occurred, in nanoseconds since the UNIX epoch.
  // Value of 0 indicates unknown or missing timestamp.
  fixed64 time_unix_nano = 1;

  // Time when the event was observed by the collection system, in nanoseconds since the
  // UNIX epoch. Use time_unix_nano if it is present, otherwise use observed_time_unix_nano.
  fixed64 observed_time_unix_nano = 11;

  // Numerical value of the severity, normalized to values described in Log Data Model.
  SeverityNumber severity_number = 2;

  // The severity text (also known as log level). [Optional].
  string severity_text = 3;

  // A value containing the body of the log record. [Optional].
  opentelemetry.proto.common.v1.AnyValue body = 5;

  // Additional attributes that describe the specific event occurrence. [Optional].
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 6;
  uint32 dropped_attributes_count = 7;

  // Flags, a bit field. 8 least significant bits are the trace flags as defined in W3C
  // Trace Context specification. [Optional].
  fixed32 flags = 8;

  // A unique identifier for a trace: a 16-byte array. An ID with all zeroes OR of length
  // other than 16 bytes is considered invalid. [Optional].
  bytes trace_id = 9;

  // A unique identifier for a span within a trace: an 8-byte array. An ID with all zeroes
  // OR of length other than 8 bytes is considered invalid. [Optional].
  bytes span_id = 10;

  // A unique identifier of event category/type. [Optional].
  string event_name = 12;
}
`
