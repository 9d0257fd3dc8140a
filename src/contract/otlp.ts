import { z } from 'zod'

// OTLP/HTTP is an external protocol: its JSON keeps OTLP's own camelCase names (the one
// exception to Ledger's snake_case), and int64 values are decimal strings (ProtoJSON).

/** `ExportLogsServiceResponse` in OTLP/JSON: empty on full success. */
export const ExportLogsServiceResponseSchema = z.object({
  partialSuccess: z
    .object({
      rejectedLogRecords: z.union([z.string().regex(/^\d+$/), z.number().int()]),
      errorMessage: z.string().optional(),
    })
    .optional(),
})
export type ExportLogsServiceResponse = z.infer<typeof ExportLogsServiceResponseSchema>

/** What `POST /v1/logs` answers with 200: the response in OTLP/JSON, or its protobuf bytes. */
export const ExportLogsReplySchema = z.union([ExportLogsServiceResponseSchema, z.instanceof(Buffer)])
