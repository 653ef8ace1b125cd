/**
 * The shapes the handlers read their env vars with (each handler parses its own env once, at
 * import, and fails fast naming the variable). No env is read here.
 */
import * as z from '../../core/zod';

/** A DynamoDB table name the stack passes in. */
export const tableName = () => z.string().check(z.minLength(1));

/** A whole number above zero, `fallback` when the variable is unset. */
export const positiveWholeNumber = (fallback: number) =>
  z._default(z.coerce.number().check(z.int(), z.positive()), fallback);
