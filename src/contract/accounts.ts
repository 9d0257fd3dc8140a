import { z } from 'zod'

// Seed 000: valid format, ≤ 255, starts and ends alphanumeric, no consecutive dots, lowercased.
export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(255, { message: 'must be at most 255 characters' })
  .refine((v) => /^[a-z0-9].*[a-z0-9]$|^[a-z0-9]$/.test(v), {
    message: 'must start and end with a letter or digit',
    abort: true,
  })
  .refine((v) => !v.includes('..'), { message: 'must not contain consecutive dots', abort: true })
  .refine((v) => /^[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(v), {
    message: 'must be a valid email address',
  })

export const NewPasswordSchema = z
  .string()
  .min(8, { message: 'must be at least 8 characters' })
  .max(64, { message: 'must be at most 64 characters' })
  .regex(/[A-Z]/, { message: 'must contain an uppercase letter' })
  .regex(/[a-z]/, { message: 'must contain a lowercase letter' })
  .regex(/[0-9]/, { message: 'must contain a digit' })

export const RegisterRequestSchema = z.object({
  email: EmailSchema,
  password: NewPasswordSchema,
  name: z
    .string()
    .trim()
    .min(1, { message: 'must not be empty' })
    .max(255, { message: 'must be at most 255 characters' }),
})
export type RegisterRequest = z.input<typeof RegisterRequestSchema>

export const LoginRequestSchema = z.object({
  email: EmailSchema,
  password: z
    .string()
    .min(8, { message: 'must be at least 8 characters' })
    .max(64, { message: 'must be at most 64 characters' }),
})
export type LoginRequest = z.input<typeof LoginRequestSchema>

export const TokenResponseSchema = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  token_type: z.literal('bearer'),
  account_id: z.number().int(),
  email: z.string(),
  expires_in: z.number().int(),
})
export type TokenResponse = z.infer<typeof TokenResponseSchema>

export const RegisterResponseSchema = TokenResponseSchema.extend({
  name: z.string(),
  message: z.string(),
})
export type RegisterResponse = z.infer<typeof RegisterResponseSchema>

export const AccountSchema = z.object({
  account_id: z.number().int(),
  email: z.string(),
  name: z.string(),
  created_at: z.string(),
  projects: z.array(z.object({ project_id: z.number().int(), name: z.string(), slug: z.string() })),
})
export type Account = z.infer<typeof AccountSchema>

/** `accounts/refresh` and `accounts/revoke`: the body's refresh token is the credential. */
export const RefreshRequestSchema = z.object({
  // Each check words its own message: the schema's own ('is required') would stand in for any
  // check that does not, and a 100,000-character token was reported as missing.
  refresh_token: z
    .string({ message: 'is required' })
    .min(1, { message: 'must not be empty' })
    .max(512, { message: 'must be at most 512 characters' }),
})
export type RefreshRequest = z.input<typeof RefreshRequestSchema>

export const RefreshResponseSchema = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().int(),
})
export type RefreshResponse = z.infer<typeof RefreshResponseSchema>

export const SendCodeRequestSchema = z.object({ email: EmailSchema })
export type SendCodeRequest = z.input<typeof SendCodeRequestSchema>

export const VerifyCodeRequestSchema = z.object({
  email: EmailSchema,
  code: z.string({ message: 'is required' }).regex(/^[0-9]{6}$/, { message: 'must be 6 digits' }),
})
export type VerifyCodeRequest = z.input<typeof VerifyCodeRequestSchema>

export const MessageSchema = z.object({ message: z.string() })
