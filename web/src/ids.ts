/**
 * A random id for idempotent requests (client_request_id, client_message_id). getRandomValues, unlike
 * randomUUID, also exists outside secure contexts (a devhost reached by a LAN address).
 */
export function newId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return prefix + "-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
