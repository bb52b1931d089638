package ai.mozaiks.engine;

import ai.mozaiks.http.Json;
import ai.mozaiks.models.ToolCall;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bson.Document;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the engine keeps about a chat between steps, stored compactly on the chat document
 * ({@code conversation}): the most recent messages (the full transcript is the event log), the
 * context variables, and the counters the planner needs. Immutable; every change returns a copy.
 *
 * @param messages     the recent history, oldest first, at most {@link #DEFAULT_WINDOW} by default
 * @param variables    the context variables (runtime, config and state values)
 * @param lastSpeaker  the last to speak: an agent name or {@code user}; null before the first turn
 * @param lastAgent    the last agent (not the user) to speak; null before any did
 * @param turns        agent turns taken so far, tool rounds included (AG2 rounds), checked against {@code max_turns}
 * @param consecutive  per agent, its replies since the user last spoke ({@code max_consecutive_auto_reply})
 * @param transferTo   a handoff chosen by a {@code transfer_to_*} tool call, applied at the next plan
 */
public record ConversationState(List<Message> messages, Map<String, Object> variables, String lastSpeaker,
                                String lastAgent, int turns, Map<String, Integer> consecutive, String transferTo) {
    public static final int DEFAULT_WINDOW = 40;
    /**
     * The most characters of one message's content the conversation keeps: a longer one (a large tool result) is kept
     * as its head and a note, so the chat document stays far under Cosmos DB's 2 MB item limit; the whole result is kept
     * as a payload ({@code ai.mozaiks.payloads.PayloadStore}). A large UI tool answer is kept shorter still.
     */
    public static final int MAX_MESSAGE_CHARS = 64 * 1024;
    /** The most bytes (UTF-8) of content and tool-call arguments all kept messages hold together; older ones go first. */
    public static final int MAX_STORED_BYTES = 768 * 1024;
    public static final String USER = "user";
    private static final ObjectReader JSON = Json.firstValue();

    public ConversationState {
        messages = List.copyOf(messages);
        variables = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(variables));
        consecutive = Map.copyOf(consecutive);
    }

    public static ConversationState start(Map<String, Object> variables) {
        return new ConversationState(List.of(), variables, null, null, 0, Map.of(), null);
    }

    /** One message of the history. {@code hidden} messages are kept from the UI but still sent to the model. */
    public record Message(Role role, String name, String content, List<ToolCall> toolCalls, String toolCallId,
                          boolean hidden) {
        public enum Role { USER, ASSISTANT, TOOL }

        public Message {
            Objects.requireNonNull(role, "role");
            toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        }

        public static Message user(String content, boolean hidden) {
            return new Message(Role.USER, USER, content, List.of(), null, hidden);
        }

        public static Message assistant(String agent, String content, List<ToolCall> calls, boolean hidden) {
            return new Message(Role.ASSISTANT, agent, content, calls, null, hidden);
        }

        /** A tool's result, its content {@linkplain #bounded bounded} to {@link #MAX_MESSAGE_CHARS}. */
        public static Message tool(String callId, String content) {
            return new Message(Role.TOOL, null, bounded(content, MAX_MESSAGE_CHARS), List.of(), callId, false);
        }

        /** The bytes (UTF-8) the message keeps on the chat document: content and tool-call arguments. */
        long storedBytes() {
            long bytes = utf8Length(content);
            for (ToolCall call : toolCalls) {
                bytes += utf8Length(call.argumentsJson());
            }
            return bytes;
        }
    }

    /**
     * {@code text} when it has at most {@code max} characters; otherwise its head and a note saying how much was left
     * out, at most {@code max} characters in all.
     */
    public static String bounded(String text, int max) {
        return text == null ? null : bounded(text, max, text.length());
    }

    /**
     * {@link #bounded(String, int)} for the head of a longer text of {@code total} characters (kept whole elsewhere):
     * the note gives the whole text's size.
     */
    public static String bounded(String text, int max, int total) {
        if (text == null || text.length() <= max && total <= text.length()) {
            return text;
        }
        // The note is under 80 characters: the head leaves room for it.
        int head = Math.min(text.length(), Math.max(0, max - 80));
        if (head > 0 && Character.isHighSurrogate(text.charAt(head - 1))) {
            head--; // never split a surrogate pair
        }
        return text.substring(0, head) + "\n[truncated: the first " + head + " of " + total + " characters]";
    }

    /** The first index from {@code from} on that is not a tool result (a kept history never starts with one). */
    private static int skipResults(List<Message> all, int from) {
        while (from < all.size() && all.get(from).role() == Message.Role.TOOL) {
            from++;
        }
        return from;
    }

    static long utf8Length(String text) {
        if (text == null) {
            return 0;
        }
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3; // a pair is 4 bytes
        }
        return bytes;
    }

    public Message lastMessage() {
        return messages.isEmpty() ? null : messages.get(messages.size() - 1);
    }

    public boolean hasUserMessage() {
        return messages.stream().anyMatch(m -> m.role() == Message.Role.USER);
    }

    /**
     * Adds messages, keeping only the last {@code window} and at most {@link #MAX_STORED_BYTES} of them, never starting
     * on a tool result (the older ones are in the event log). When the newest message and the tool results after it
     * alone are over the budget, those results are cut shorter, evenly: the model still sees an answer to every call.
     */
    public ConversationState withMessages(List<Message> added, int window) {
        List<Message> all = new ArrayList<>(messages);
        all.addAll(added);
        int from = skipResults(all, Math.max(0, all.size() - window));
        int last = all.size() - 1;
        while (last > from && all.get(last).role() == Message.Role.TOOL) {
            last--;
        }
        long stored = 0;
        for (int i = from; i < all.size(); i++) {
            stored += all.get(i).storedBytes();
        }
        while (stored > MAX_STORED_BYTES && from < last) {
            int next = skipResults(all, from + 1);
            for (int i = from; i < next; i++) {
                stored -= all.get(i).storedBytes();
            }
            from = Math.min(next, last);
        }
        if (stored > MAX_STORED_BYTES) {
            long results = all.subList(from, all.size()).stream().filter(m -> m.role() == Message.Role.TOOL).count();
            // Up to 3 bytes a character (4 for a pair of 2): a third of each result's share, in characters.
            int share = (int) Math.max(1024, (MAX_STORED_BYTES - all.get(last).storedBytes()) / Math.max(1, results) / 3);
            for (int i = last + 1; i < all.size(); i++) {
                Message m = all.get(i);
                all.set(i, new Message(m.role(), m.name(), bounded(m.content(), share), m.toolCalls(), m.toolCallId(), m.hidden()));
            }
        }
        return new ConversationState(all.subList(from, all.size()), variables, lastSpeaker, lastAgent, turns, consecutive,
                transferTo);
    }

    public ConversationState withVariables(Map<String, Object> values) {
        return new ConversationState(messages, values, lastSpeaker, lastAgent, turns, consecutive, transferTo);
    }

    public ConversationState withTransfer(String target) {
        return new ConversationState(messages, variables, lastSpeaker, lastAgent, turns, consecutive, target);
    }

    /** The agent finished a reply: one more turn, one more consecutive reply, any transfer consumed. */
    public ConversationState afterAgentReply(String agent, String transfer) {
        Map<String, Integer> counts = new LinkedHashMap<>(consecutive);
        counts.merge(agent, 1, Integer::sum);
        return new ConversationState(messages, variables, agent, agent, turns + 1, counts, transfer);
    }

    /**
     * The agent asked for tools: it speaks again once their results are in. Not a new reply (its consecutive count
     * stays), but a round toward {@code max_turns}, so an agent calling tools in a loop stops at that limit.
     */
    public ConversationState afterToolCalls(String agent, String transfer) {
        return new ConversationState(messages, variables, agent, agent, turns + 1, consecutive, transfer);
    }

    /** The user spoke: consecutive-reply counters start over. */
    public ConversationState afterUserInput(String text, boolean hidden, int window) {
        ConversationState next = withMessages(List.of(Message.user(text, hidden)), window);
        return new ConversationState(next.messages, variables, USER, lastAgent, turns, Map.of(), null);
    }

    /**
     * A fan-out's children ended: their merged results are in {@code variables} and in a hidden message for the model, and
     * {@code resumeAgent} speaks next.
     */
    public ConversationState afterChildren(String results, Map<String, Object> variables, String resumeAgent, int window) {
        ConversationState next = withMessages(List.of(Message.user(results, true)), window);
        return new ConversationState(next.messages, variables, USER, lastAgent, turns, Map.of(), resumeAgent);
    }

    // ---- BSON ----

    public Document toDocument() {
        List<Document> stored = new ArrayList<>(messages.size());
        for (Message m : messages) {
            Document d = new Document("r", m.role().name().toLowerCase(java.util.Locale.ROOT));
            if (m.name() != null) {
                d.append("n", m.name());
            }
            if (m.content() != null) {
                d.append("c", m.content());
            }
            if (!m.toolCalls().isEmpty()) {
                List<Document> calls = new ArrayList<>();
                for (ToolCall call : m.toolCalls()) {
                    calls.add(new Document("id", call.id()).append("name", call.name()).append("args", call.argumentsJson()));
                }
                d.append("tc", calls);
            }
            if (m.toolCallId() != null) {
                d.append("id", m.toolCallId());
            }
            if (m.hidden()) {
                d.append("h", true);
            }
            stored.add(d);
        }
        Document document = new Document("messages", stored)
                .append("variables", new Document(variables))
                .append("turns", turns)
                .append("consecutive", new Document(new LinkedHashMap<String, Object>(consecutive)));
        if (lastSpeaker != null) {
            document.append("last_speaker", lastSpeaker);
        }
        if (lastAgent != null) {
            document.append("last_agent", lastAgent);
        }
        if (transferTo != null) {
            document.append("transfer_to", transferTo);
        }
        return document;
    }

    @SuppressWarnings("unchecked")
    public static ConversationState fromDocument(Document document) {
        List<Message> messages = new ArrayList<>();
        for (Document d : (List<Document>) document.get("messages", List.class)) {
            Message.Role role = Message.Role.valueOf(d.getString("r").toUpperCase(java.util.Locale.ROOT));
            List<ToolCall> calls = new ArrayList<>();
            List<Document> storedCalls = (List<Document>) d.get("tc");
            if (storedCalls != null) {
                for (Document call : storedCalls) {
                    calls.add(new ToolCall(call.getString("id"), call.getString("name"), parseObject(call.getString("args"))));
                }
            }
            messages.add(new Message(role, d.getString("n"), d.getString("c"), calls, d.getString("id"),
                    d.getBoolean("h", false)));
        }
        Map<String, Object> variables = new LinkedHashMap<>((Document) document.get("variables", Document.class));
        Map<String, Integer> consecutive = new LinkedHashMap<>();
        Document counts = document.get("consecutive", Document.class);
        if (counts != null) {
            counts.forEach((k, v) -> consecutive.put(k, ((Number) v).intValue()));
        }
        return new ConversationState(messages, variables, document.getString("last_speaker"), document.getString("last_agent"),
                ((Number) document.get("turns")).intValue(), consecutive, document.getString("transfer_to"));
    }

    static ObjectNode parseObject(String json) {
        try {
            return (ObjectNode) JSON.readTree(json == null || json.isBlank() ? "{}" : json);
        } catch (JsonProcessingException | ClassCastException e) {
            throw new IllegalStateException("stored tool call arguments are not a JSON object", e);
        }
    }
}
