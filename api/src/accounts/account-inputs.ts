import { z } from 'zod';
import { newPasswordSchema, PASSWORD_MAX_LENGTH } from './passwords';

export const emailSchema = z
  .string()
  .trim()
  .max(254, 'An email address has at most 254 characters.')
  .pipe(z.email('Enter a valid email address.'))
  .transform((e) => e.toLowerCase());

const nameSchema = z
  .string()
  .trim()
  .min(1, 'Enter your name.')
  .max(100, 'Use at most 100 characters.')
  .refine((n) => !/[\u0000-\u001f\u007f]/.test(n), 'The name contains characters that are not allowed.');

/** Checked only for shape: a wrong password must fail as INVALID_CREDENTIALS, not as bad input. */
const presentedPasswordSchema = z.string().min(1, 'Enter your password.').max(PASSWORD_MAX_LENGTH, 'The password is too long.');

const tokenSchema = z.string().min(1, 'The token is missing.').max(200, 'The token is not valid.');

export const signupInput = z.object({ email: emailSchema, password: newPasswordSchema, name: nameSchema });
export const loginInput = z.object({ email: emailSchema, password: presentedPasswordSchema });
export const changePasswordInput = z.object({ currentPassword: presentedPasswordSchema, newPassword: newPasswordSchema });
export const resetPasswordInput = z.object({ token: tokenSchema, newPassword: newPasswordSchema });
export const tokenInput = z.object({ token: tokenSchema });
export const emailInput = z.object({ email: emailSchema });
