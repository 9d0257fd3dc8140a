// opentelemetry/proto/resource/v1/resource.proto of opentelemetry-proto v1.x (Copyright The
// OpenTelemetry Authors, Apache License 2.0): the message as published, with its field
// numbers; comments shortened.

/** The OTLP Resource message. */
export const RESOURCE_PROTO = `
syntax = "proto3";

package opentelemetry.proto.resource.v1;

import "opentelemetry/proto/common/v1/common.proto";

// Resource information.
message Resource {
  // Set of attributes that describe the resource. Attribute keys MUST be unique.
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 1;

  // The number of dropped attributes. If the value is 0, then no attributes were dropped.
  uint32 dropped_attributes_count = 2;

  // Set of entities that participate in this Resource. Status: [Development]
  repeated opentelemetry.proto.common.v1.EntityRef entity_refs = 3;
}
`
