package ai.mozaiks.models;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** A call that got no usable HTTP answer, as a {@link ModelException}: a timeout or an unreachable provider. */
public final class TransportFailure {
    private TransportFailure() {
    }

    /**
     * {@code error} as a model failure: a {@link ModelException} stays as it is, timeouts become
     * {@code TIMEOUT}, I/O failures {@code UNAVAILABLE}; anything else (a bug) is returned unchanged.
     */
    public static Throwable of(Throwable error, String requestId) {
        Throwable cause = unwrap(error);
        if (cause instanceof ModelException) {
            return cause;
        }
        if (isTimeout(cause)) {
            return new ModelException(ModelException.Kind.TIMEOUT, requestId,
                    "no answer from the model within the read timeout", cause);
        }
        if (cause instanceof ConnectException || cause instanceof UnknownHostException) {
            return new ModelException(ModelException.Kind.UNAVAILABLE, requestId,
                    "cannot connect to the model endpoint: " + cause.getMessage(), cause);
        }
        if (cause instanceof IOException) {
            return new ModelException(ModelException.Kind.UNAVAILABLE, requestId,
                    "the connection to the model failed: " + cause.getMessage(), cause);
        }
        return error;
    }

    private static Throwable unwrap(Throwable error) {
        Throwable current = error;
        while ((current instanceof CompletionException || current instanceof ExecutionException)
                && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    /** The JDK's, Reactor's and Netty's timeouts, found anywhere in the cause chain. */
    private static boolean isTimeout(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TimeoutException || t instanceof HttpTimeoutException
                    || t instanceof SocketTimeoutException || t.getClass().getName().startsWith("io.netty.handler.timeout.")) {
                return true;
            }
        }
        return false;
    }
}
