package ai.mozaiks.storage;

import com.azure.core.exception.HttpResponseException;
import java.io.IOException;
import java.util.concurrent.TimeoutException;

/**
 * The one reading of an Azure Storage failure (queues, blobs) that waiting may cure: the service answered 5xx, 408 or
 * 429, or an SDK call got no answer at all. Used by the step retries and the HTTP edge alike.
 */
public final class StorageErrors {
    private StorageErrors() {
    }

    /** Whether {@code error}'s cause chain holds a storage failure that waiting may cure. */
    public static boolean isTransient(Throwable error) {
        boolean azure = false;
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpResponseException http && http.getResponse() != null) {
                int status = http.getResponse().getStatusCode();
                return status >= 500 || status == 408 || status == 429;
            }
            azure |= t.getClass().getName().startsWith("com.azure.");
            if (azure && (t instanceof IOException || t instanceof TimeoutException)) {
                return true;
            }
        }
        return false;
    }
}
