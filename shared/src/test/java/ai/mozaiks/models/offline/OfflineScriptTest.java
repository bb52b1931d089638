package ai.mozaiks.models.offline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OfflineScriptTest {

    @Test
    void jsonIsAcceptedAsWellAsYaml() {
        OfflineScript script = OfflineScript.parse(
                "[{\"agent\":\"a\",\"text\":\"one\"},{\"agent\":\"a\",\"json\":{\"k\":1}},{\"agent\":\"b\",\"text\":\"two\"}]");

        assertEquals(new ScriptedReply.Text("one"), script.reply("a", 0).orElseThrow());
        assertInstanceOf(ScriptedReply.Json.class, script.reply("a", 1).orElseThrow());
        assertEquals(Optional.empty(), script.reply("a", 2));
        assertEquals(new ScriptedReply.Text("two"), script.reply("b", 0).orElseThrow());
        assertEquals(Optional.empty(), script.reply("c", 0));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{agent: a, text: x}                                 | must be a list",
            "- {text: x}                                          | reply 1: \"agent\" is required",
            "- {agent: a}                                         | reply 1 (a): needs one of",
            "- {agent: a, text: x, json: {}}                      | has both",
            "- {agent: a, texts: x}                               | unknown field \"texts\"",
            "- {agent: a, json: [1]}                              | json must be an object",
            "- {agent: a, text: x}\\n- {agent: b, tool_call: {arguments: {}}} | reply 2 (b): a tool call needs a name",
            "- {agent: a, tool_call: {name: t, arguments: [1]}}   | arguments must be an object",
            "- {agent: a, tool_calls: []}                         | tool_calls must be a non-empty list",
            "- {agent: a, tool_call: {name: t, args: {}}}         | unknown tool call field \"args\"",
            "- [unclosed                                          | not valid YAML or JSON",
    })
    void aMalformedScriptIsRefusedNamingTheEntry(String text, String expected) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> OfflineScript.parse(text.replace("\\n", "\n")));

        assertTrue(error.getMessage().contains(expected), error.getMessage());
    }
}
