import { text } from "./envelope";

/** What a `chat.retrying` tells the user: why the step waits, and until when. */
export function retryNote(data: Record<string, unknown>): string {
  const reason = text(data, "reason");
  const why = reason.startsWith("model_") ? "The model is busy"
    : reason === "database_unavailable" ? "The database is unavailable"
    : reason === "storage_unavailable" ? "Storage is unavailable" : "A service is unavailable";
  const at = new Date(text(data, "retry_at"));
  const when = Number.isNaN(at.getTime()) ? "shortly" : `at ${at.toLocaleTimeString()}`;
  return `${why}; retrying ${when} (attempt ${text(data, "attempt")}).`;
}
