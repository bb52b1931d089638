package ai.mozaiks.models.offline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/** One reply of an offline script. */
public sealed interface ScriptedReply {

    /** A text reply. */
    record Text(String text) implements ScriptedReply {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /** One or more tool calls; a call without arguments gets the smallest its tool's schema accepts. */
    record ToolCalls(List<Call> calls) implements ScriptedReply {
        public ToolCalls {
            calls = List.copyOf(calls);
            if (calls.isEmpty()) {
                throw new IllegalArgumentException("at least one tool call");
            }
        }
    }

    /** A structured reply: this JSON object as the message's text. */
    record Json(ObjectNode value) implements ScriptedReply {
        public Json {
            value = Objects.requireNonNull(value, "value").deepCopy();
        }
    }

    /** @param arguments {@code null} to have them made from the tool's schema */
    record Call(String name, ObjectNode arguments) {
        public Call {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a scripted tool call needs a name");
            }
            arguments = arguments == null ? null : arguments.deepCopy();
        }
    }
}
