package ai.mozaiks.devhost.queue;

import ai.mozaiks.devhost.functions.DevExecutionContext;
import ai.mozaiks.devhost.functions.FunctionDescriptor;
import ai.mozaiks.devhost.functions.FunctionInvoker;
import ai.mozaiks.devhost.functions.HostJson;
import com.azure.storage.queue.QueueClient;
import com.azure.storage.queue.QueueClientBuilder;
import com.azure.storage.queue.QueueMessageEncoding;
import com.azure.storage.queue.models.QueueMessageDecodingError;
import com.azure.storage.queue.models.QueueMessageItem;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Polls one queue for one function with the Functions host's semantics: batches of
 * {@code batchSize}, a new batch once in-flight work drops to {@code newBatchThreshold}, polling
 * that backs off to {@code maxPollingInterval} while the queue is empty, a failed message made
 * visible again after {@code visibilityTimeout}, and after {@code maxDequeueCount} failed attempts
 * the message moved to {@code <queue>-poison}; a message that cannot be decoded goes there at once.
 */
public final class QueueListener implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(QueueListener.class.getName());
    /** How long a received message stays hidden while its function runs (the host's function timeout). */
    private static final Duration LEASE = Duration.ofMinutes(10);
    private static final Duration MIN_POLL = Duration.ofMillis(100);

    private final FunctionDescriptor.Queue function;
    private final QueueClient queue;
    private final QueueClient poison;
    private final HostJson.QueueOptions options;
    private final FunctionInvoker invoker;
    private final ExecutorService workers;
    private final Semaphore slots;
    private final Thread poller;
    private volatile boolean running = true;

    /** A listener for the function's queue on the given storage connection. */
    public static QueueListener create(FunctionDescriptor.Queue function, String connection, HostJson.QueueOptions options,
                                       FunctionInvoker invoker, ExecutorService workers) {
        QueueMessageEncoding encoding = options.base64() ? QueueMessageEncoding.BASE64 : QueueMessageEncoding.NONE;
        String poisonName = function.queueName() + "-poison";
        QueueClient rawPoison = builder(connection, poisonName, QueueMessageEncoding.NONE).buildClient();
        QueueClient queue = builder(connection, function.queueName(), encoding)
                .processMessageDecodingError(error -> poisonUndecodable(error, rawPoison))
                .buildClient();
        QueueClient poison = builder(connection, poisonName, encoding).buildClient();
        return new QueueListener(function, queue, poison, options, invoker, workers);
    }

    private static QueueClientBuilder builder(String connection, String queueName, QueueMessageEncoding encoding) {
        return new QueueClientBuilder().connectionString(connection).queueName(queueName).messageEncoding(encoding);
    }

    /**
     * A message the trigger cannot decode goes to the poison queue unchanged at once, as the host
     * does; left alone it would fail every receive of its batch until its lease ran out.
     */
    private static void poisonUndecodable(QueueMessageDecodingError error, QueueClient rawPoison) {
        QueueMessageItem message = error.getQueueMessageItem();
        if (message == null) {
            return; // a peek: nothing to settle
        }
        rawPoison.createIfNotExists();
        rawPoison.sendMessage(message.getBody().toString());
        error.getQueueClient().deleteMessage(message.getMessageId(), message.getPopReceipt());
        LOG.warning("message " + message.getMessageId() + " on " + error.getQueueClient().getQueueName()
                + " is not valid for the queue's encoding; moved to " + rawPoison.getQueueName());
    }

    private QueueListener(FunctionDescriptor.Queue function, QueueClient queue, QueueClient poison,
                          HostJson.QueueOptions options, FunctionInvoker invoker, ExecutorService workers) {
        this.function = function;
        this.queue = queue;
        this.poison = poison;
        this.options = options;
        this.invoker = invoker;
        this.workers = workers;
        this.slots = new Semaphore(options.batchSize() + options.newBatchThreshold());
        this.poller = new Thread(this::poll, "queue-" + function.queueName());
        this.poller.setDaemon(true);
    }

    public void start() {
        poller.start();
    }

    private void poll() {
        Duration wait = MIN_POLL;
        boolean queueExists = false;
        while (running) {
            try {
                if (!queueExists) {
                    // Here rather than at start: storage may still be booting (Azurite starts alongside).
                    queue.createIfNotExists();
                    queueExists = true;
                }
                // Wait until in-flight work is down to newBatchThreshold; each message keeps one slot.
                slots.acquire(options.batchSize());
                List<QueueMessageItem> batch;
                try {
                    batch = queue.receiveMessages(options.batchSize(), LEASE, null, null).stream().toList();
                } finally {
                    slots.release(options.batchSize());
                }
                if (batch.isEmpty()) {
                    Thread.sleep(wait.toMillis());
                    wait = wait.multipliedBy(2).compareTo(options.maxPollingInterval()) > 0
                            ? options.maxPollingInterval() : wait.multipliedBy(2);
                    continue;
                }
                wait = MIN_POLL;
                slots.acquire(batch.size());
                for (QueueMessageItem message : batch) {
                    workers.execute(() -> {
                        try {
                            process(message);
                        } finally {
                            slots.release();
                        }
                    });
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (running) {
                    LOG.log(Level.WARNING, "polling " + function.queueName() + " failed; retrying", e);
                    sleepQuietly(options.maxPollingInterval());
                }
            }
        }
    }

    private void process(QueueMessageItem message) {
        try {
            if (message.getDequeueCount() > options.maxDequeueCount()) {
                // A message whose function crashed the host every time never reached the failure path.
                moveToPoison(message);
                return;
            }
            DevExecutionContext context = new DevExecutionContext(function.name());
            try {
                invoker.invoke(function, message.getBody().toString(), bindingData(message), context);
                queue.deleteMessage(message.getMessageId(), message.getPopReceipt());
            } catch (Exception e) {
                context.getLogger().log(Level.WARNING, "attempt " + message.getDequeueCount() + " of "
                        + options.maxDequeueCount() + " failed for message " + message.getMessageId(), e);
                if (message.getDequeueCount() >= options.maxDequeueCount()) {
                    moveToPoison(message);
                } else {
                    queue.updateMessage(message.getMessageId(), message.getPopReceipt(), null, options.visibilityTimeout());
                }
            }
        } catch (RuntimeException e) {
            // The message stays hidden until its lease ends and is then delivered again.
            LOG.log(Level.WARNING, "settling message " + message.getMessageId() + " on " + function.queueName() + " failed", e);
        }
    }

    private void moveToPoison(QueueMessageItem message) {
        poison.createIfNotExists();
        poison.sendMessage(message.getBody());
        queue.deleteMessage(message.getMessageId(), message.getPopReceipt());
        LOG.warning("message " + message.getMessageId() + " moved to " + poison.getQueueName() + " after "
                + message.getDequeueCount() + " attempts");
    }

    /** The metadata the queue trigger offers to {@code @BindingName} parameters. */
    private static Map<String, Object> bindingData(QueueMessageItem message) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("Id", message.getMessageId());
        data.put("DequeueCount", message.getDequeueCount());
        data.put("PopReceipt", message.getPopReceipt());
        data.put("InsertionTime", message.getInsertionTime());
        data.put("ExpirationTime", message.getExpirationTime());
        data.put("NextVisibleTime", message.getTimeNextVisible());
        data.put("QueueTrigger", message.getBody().toString());
        return data;
    }

    private static void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        poller.interrupt();
        poller.join(5_000);
    }
}
