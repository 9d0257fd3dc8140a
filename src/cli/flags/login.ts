import { Flags } from '@oclif/core'

/** The flags `login` and `register` share. */
export const loginFlags = {
  email: Flags.string({ description: 'Account email (prompted when omitted on a terminal).' }),
  'password-stdin': Flags.boolean({ description: 'Read the password from stdin.' }),
}
