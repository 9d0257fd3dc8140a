import { z } from 'zod'

/** What `login` keeps for a profile on a daemon: the token pair and when the access token expires. */
export const StoredLoginSchema = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  account_id: z.number().int(),
  email: z.string(),
  /** Unix ms. */
  expires_at: z.number(),
})
export type StoredLogin = z.infer<typeof StoredLoginSchema>
