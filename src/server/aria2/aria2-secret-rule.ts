import { MIN_ARIA2_SECRET_LENGTH } from '../../shared/protocol/schemas.ts'

/**
 * Why `secret` cannot guard the aria2 RPC, or null when it can. Every page the user visits can
 * send guesses to the port: a short secret falls to a few batches of them (two characters did,
 * in one request). The generated secrets are 32 characters.
 */
export function aria2SecretProblem(secret: string): string | null {
  if (secret.length < MIN_ARIA2_SECRET_LENGTH)
    return `the aria2 RPC secret must be at least ${MIN_ARIA2_SECRET_LENGTH} characters long (it has ${secret.length})`
  return null
}
