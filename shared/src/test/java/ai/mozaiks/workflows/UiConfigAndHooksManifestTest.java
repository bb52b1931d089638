package ai.mozaiks.workflows;

import static ai.mozaiks.workflows.Manifests.HOOKS;
import static ai.mozaiks.workflows.Manifests.UI;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.mozaiks.workflows.manifest.HookSpec;
import ai.mozaiks.workflows.manifest.ToolImplementation;
import ai.mozaiks.workflows.manifest.UiConfig;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UiConfigAndHooksManifestTest {

    @Test
    void readsVisualAgentsAndDisplayKeys() {
        UiConfig ui = Manifests.base().with(UI, """
                visual_agents: [Writer, user]
                display_name: Drafting
                description: Write and review.
                icon: pen
                category: writing
                interactive: true
                dashboard: {show_in_admin: true}
                """).clean().ui();

        assertEquals(Optional.of(List.of("Writer", "user")), ui.visualAgents());
        assertEquals(Optional.of("Drafting"), ui.displayName());
        assertEquals(Optional.of("Write and review."), ui.description());
        assertEquals(Optional.of("pen"), ui.icon());
        assertEquals(Optional.of("writing"), ui.category());
        assertTrue(ui.isVisible("Writer"));
        assertFalse(ui.isVisible("Reviewer"));
    }

    @Test
    void withoutVisualAgentsEveryoneIsShown() {
        UiConfig ui = Manifests.base().clean().ui();
        assertEquals(UiConfig.EMPTY, ui);
        assertTrue(ui.isVisible("Reviewer"));
    }

    @Test
    void reportsUnknownVisualAgents() {
        assertEquals(List.of(
                "ui_config.yaml: visual_agents[2]: expected a string, got 3",
                "ui_config.yaml: visual_agents[1]: unknown agent \"Editor\""),
                Manifests.base().with(UI, "visual_agents: [Writer, Editor, 3]\n").errors());
    }

    @Test
    void readsJavaHooks() {
        Manifests manifests = Manifests.base().with(HOOKS, """
                hooks:
                - {hook_type: update_agent_state, hook_agent: all, implementation: {type: java, class: com.example.Inject}}
                - {hook_type: process_message_before_send, hook_agent: Writer, function: redact,
                   implementation: {type: java, class: com.example.Redact}}
                """);
        assertEquals(List.of("hooks.yaml: hooks[0].hook_type: not run yet: hooks are accepted but this platform does not call them",
                "hooks.yaml: hooks[1].hook_type: not run yet: hooks are accepted but this platform does not call them"),
                manifests.warnings(), "accepted, and said not to run: never silently ignored");
        List<HookSpec> hooks = manifests.load().hooks();
        assertEquals(List.of(
                new HookSpec(HookSpec.Type.UPDATE_AGENT_STATE, HookSpec.ALL_AGENTS, new ToolImplementation.JavaClass("com.example.Inject")),
                new HookSpec(HookSpec.Type.PROCESS_MESSAGE_BEFORE_SEND, "Writer", new ToolImplementation.JavaClass("com.example.Redact"))),
                hooks);
    }

    @Test
    void reportsPythonAndInvalidHooks() {
        assertEquals(List.of(
                "hooks.yaml: hooks[0].filename: hook \"guard\" is implemented in Python (\"hook_guard.py\"),"
                        + " which this platform does not run; declare an implementation (java)",
                "hooks.yaml: hooks[1].hook_type: unknown value \"on_reply\" (expected process_message_before_send,"
                        + " update_agent_state, process_last_received_message, process_all_messages_before_reply)",
                "hooks.yaml: hooks[2].implementation.type: unknown value \"http\" (expected java)",
                "hooks.yaml: hooks[3].hook_agent: unknown agent \"Editor\""),
                Manifests.base().with(HOOKS, """
                        hooks:
                        - {hook_type: update_agent_state, hook_agent: Writer, filename: hook_guard.py, function: guard}
                        - {hook_type: on_reply, hook_agent: all, implementation: {type: java, class: X}}
                        - {hook_type: update_agent_state, hook_agent: all, implementation: {type: http, url: 'https://x.example'}}
                        - {hook_type: update_agent_state, hook_agent: Editor, implementation: {type: java, class: X}}
                        """).errors());
    }
}
