import {
  AccountSchema,
  LoginRequestSchema,
  RefreshRequestSchema,
  RefreshResponseSchema,
  RegisterRequestSchema,
  RegisterResponseSchema,
  SendCodeRequestSchema,
  VerifyCodeRequestSchema,
  MessageSchema,
  TokenResponseSchema,
} from '../../../contract/accounts.js'
import { accountOf } from '../plugins/auth.js'
import { clientAddress } from '../plugins/client-address.js'
import type { App } from '../plugins/zod.js'
import type { Services } from '../../container.js'

export function accountRoutes(app: App, { accounts, verification }: Services): void {
  app.post(
    '/api/v1/accounts/register',
    {
      config: { auth: 'none' },
      schema: { body: RegisterRequestSchema, response: { 201: RegisterResponseSchema } },
    },
    async (req, reply) => reply.code(201).send(await accounts.register(req.body, clientAddress(req))),
  )

  app.post(
    '/api/v1/accounts/login',
    {
      config: { auth: 'none' },
      schema: { body: LoginRequestSchema, response: { 200: TokenResponseSchema } },
    },
    async (req) => accounts.login(req.body, clientAddress(req)),
  )

  // The body's refresh token is the credential of these two.
  app.post(
    '/api/v1/accounts/refresh',
    { config: { auth: 'none' }, schema: { body: RefreshRequestSchema, response: { 200: RefreshResponseSchema } } },
    async (req) => accounts.refresh(req.body.refresh_token),
  )
  app.post('/api/v1/accounts/revoke', { config: { auth: 'none' }, schema: { body: RefreshRequestSchema } }, async (req) => {
    await accounts.revoke(req.body.refresh_token)
    return {}
  })

  // One-time codes by email: the same 202 (or 429) whether or not the account exists.
  app.post(
    '/api/v1/accounts/verification/send-code',
    { config: { auth: 'none' }, schema: { body: SendCodeRequestSchema, response: { 202: MessageSchema } } },
    async (req, reply) => {
      await verification.sendCode(req.body.email, clientAddress(req))
      return reply.code(202).send({ message: 'If an account exists for this email, a code has been sent' })
    },
  )
  app.post(
    '/api/v1/accounts/verification/verify-code',
    { config: { auth: 'none' }, schema: { body: VerifyCodeRequestSchema, response: { 200: TokenResponseSchema } } },
    async (req) => verification.verifyCode(req.body.email, req.body.code, clientAddress(req)),
  )

  app.post('/api/v1/accounts/logout', { config: { auth: 'account' } }, async (req, reply) => {
    const p = req.principal
    if (p?.kind === 'account') await accounts.logout(p.claims)
    return reply.code(204).send()
  })

  app.get(
    '/api/v1/accounts/me',
    { config: { auth: 'account' }, schema: { response: { 200: AccountSchema } } },
    async (req) => accounts.me(accountOf(req)),
  )
}
