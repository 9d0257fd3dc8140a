// opentelemetry/proto/common/v1/common.proto of opentelemetry-proto v1.x (Copyright The
// OpenTelemetry Authors, Apache License 2.0): the messages as published, with their field
// numbers; comments shortened. Kept as text so the built daemon needs no file beside it.

/** The OTLP common messages (AnyValue, KeyValue, InstrumentationScope, EntityRef). */
export const COMMON_PROTO = `
syntax = "proto3";

package opentelemetry.proto.common.v1;

// Represents any type of attribute value. AnyValue may contain a primitive value such as a
// string or integer or it may contain an arbitrary nested object containing arrays,
// key-value lists and primitives.
message AnyValue {
  // The value is one of the listed fields. It is valid for all values to be unspecified
  // in which case this AnyValue is considered to be "empty".
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}

// ArrayValue is a list of AnyValue messages.
message ArrayValue {
  // Array of values. The array may be empty (contain 0 elements).
  repeated AnyValue values = 1;
}

// KeyValueList is a list of KeyValue messages.
message KeyValueList {
  // A collection of key/value pairs. The keys MUST be unique.
  repeated KeyValue values = 1;
}

// Represents a key-value pair that is used to store Span attributes, Link attributes, etc.
message KeyValue {
  // The key name of the pair.
  string key = 1;

  // The value of the pair.
  AnyValue value = 2;
}

// InstrumentationScope is a message representing the instrumentation scope information
// such as the fully qualified name and version.
message InstrumentationScope {
  // A name denoting the Instrumentation scope.
  string name = 1;

  // Defines the version of the instrumentation scope.
  string version = 2;

  // Additional attributes that describe the scope. [Optional].
  repeated KeyValue attributes = 3;

  // The number of attributes that were discarded.
  uint32 dropped_attributes_count = 4;
}

// A reference to an Entity. Status: [Development]
message EntityRef {
  // The Schema URL, if known.
  string schema_url = 1;

  // Defines the type of the entity, for example "service" or "host".
  string type = 2;

  // Attribute Keys that identify the entity.
  repeated string id_keys = 3;

  // Descriptive (non-identifying) attribute keys of the entity.
  repeated string description_keys = 4;
}
`
