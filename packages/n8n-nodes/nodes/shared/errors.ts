import { isGencoveError } from '@gencove/core';
import { type INode, type JsonObject, NodeApiError, NodeOperationError } from 'n8n-workflow';

/**
 * Core errors as n8n errors: an error with an HTTP status (or a transport failure) becomes a
 * `NodeApiError`, everything else (bad input, aborted, integrity) a `NodeOperationError`. Core
 * errors are credential-free by construction; only their `toJSON()` is passed on.
 */
export function toNodeError(
  node: INode,
  error: unknown,
  itemIndex?: number,
): NodeApiError | NodeOperationError {
  if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
  const at = itemIndex === undefined ? {} : { itemIndex };
  const message = error instanceof Error ? error.message : String(error);
  if (isGencoveError(error)) {
    const api =
      error.status !== undefined ||
      error.code === 'ERR_GENCOVE_NETWORK' ||
      error.code === 'ERR_GENCOVE_TIMEOUT';
    const description = describe(error.code, error.detail);
    if (api) {
      return new NodeApiError(node, error.toJSON() as JsonObject, {
        message,
        ...(description ? { description } : {}),
        ...(error.status !== undefined ? { httpCode: String(error.status) } : {}),
        ...at,
      });
    }
    return new NodeOperationError(node, message, {
      ...(description ? { description } : {}),
      ...at,
    });
  }
  const code = (error as { code?: unknown } | null)?.code;
  const description = typeof code === 'string' ? describe(code) : undefined;
  return new NodeOperationError(node, message, { ...(description ? { description } : {}), ...at });
}

function describe(code: string, detail?: string): string | undefined {
  const hints: Record<string, string> = {
    ERR_GENCOVE_AUTH: 'Check the credential: the API key or e-mail/password was refused.',
    ERR_GENCOVE_OTP_REQUIRED:
      'This account uses two-factor authentication; use an API key credential instead.',
    ERR_GENCOVE_NOT_FOUND: 'The object does not exist or this account cannot access it.',
    ERR_GENCOVE_RATE_LIMITED: 'Gencove is rate-limiting requests; retry later.',
    ERR_GENCOVE_MAINTENANCE: 'Gencove is in maintenance; retry after the announced time.',
  };
  const hint = hints[code];
  return [detail, hint].filter(Boolean).join(' ') || undefined;
}
