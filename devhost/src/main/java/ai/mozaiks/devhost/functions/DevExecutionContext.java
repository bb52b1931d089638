package ai.mozaiks.devhost.functions;

import ai.mozaiks.devhost.logging.DevLogging;
import com.microsoft.azure.functions.ExecutionContext;
import java.util.UUID;
import java.util.logging.Logger;

/** The context of one invocation: a fresh id and a logger whose lines carry it. */
public final class DevExecutionContext implements ExecutionContext {
    private final String functionName;
    private final String invocationId;
    private final Logger logger;

    public DevExecutionContext(String functionName) {
        this.functionName = functionName;
        this.invocationId = UUID.randomUUID().toString();
        this.logger = DevLogging.invocationLogger(functionName, invocationId);
    }

    @Override
    public Logger getLogger() {
        return logger;
    }

    @Override
    public String getInvocationId() {
        return invocationId;
    }

    @Override
    public String getFunctionName() {
        return functionName;
    }
}
