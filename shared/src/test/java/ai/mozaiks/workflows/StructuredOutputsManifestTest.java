package ai.mozaiks.workflows;

import static ai.mozaiks.workflows.Manifests.OUTPUTS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.mozaiks.workflows.manifest.FieldType;
import ai.mozaiks.workflows.manifest.FieldType.Kind;
import ai.mozaiks.workflows.manifest.OutputField;
import ai.mozaiks.workflows.manifest.StructuredOutputs;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StructuredOutputsManifestTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Manifests outputs(String yaml) {
        return Manifests.base().with(OUTPUTS, yaml);
    }

    private static final String REVIEW = """
            structured_outputs:
              models:
                Review:
                  type: model
                  fields:
                    verdict: {type: literal, values: [approve, revise], description: The decision.}
                    score: {type: int}
                    ratio: {type: float}
                    final: {type: bool, default: false}
                    notes: {type: str}
                    title: {type: string}
                    extra: {type: dict}
                    summary: {type: optional_str}
                    issues: {type: list, items: Issue}
                    tags: {type: optional_list, items: str}
                    links: {type: 'list[str]'}
                    answer: {type: union, variants: [str, int, 'null']}
                    either: {type: union, variants: [Issue, str]}
                Issue:
                  type: model
                  fields:
                    line: {type: int}
              registry:
                Reviewer: Review
                Writer: null
            """;

    @Test
    void readsEveryFieldType() {
        StructuredOutputs outputs = outputs(REVIEW).clean().structuredOutputs();

        Map<String, FieldType> types = new java.util.LinkedHashMap<>();
        outputs.models().get("Review").fields().forEach(field -> types.put(field.name(), field.type()));
        FieldType string = new FieldType.Scalar(Kind.STRING);
        assertEquals(new FieldType.Literal(List.of("approve", "revise")), types.get("verdict"));
        assertEquals(new FieldType.Scalar(Kind.INTEGER), types.get("score"));
        assertEquals(new FieldType.Scalar(Kind.NUMBER), types.get("ratio"));
        assertEquals(new FieldType.Scalar(Kind.BOOLEAN), types.get("final"));
        assertEquals(string, types.get("notes"));
        assertEquals(string, types.get("title"));
        assertEquals(new FieldType.Scalar(Kind.OBJECT), types.get("extra"));
        assertEquals(new FieldType.Nullable(string), types.get("summary"));
        assertEquals(new FieldType.ListOf(new FieldType.ModelRef("Issue")), types.get("issues"));
        assertEquals(new FieldType.Nullable(new FieldType.ListOf(string)), types.get("tags"));
        assertEquals(new FieldType.ListOf(string), types.get("links"));
        assertEquals(new FieldType.Nullable(new FieldType.Union(List.of(string, new FieldType.Scalar(Kind.INTEGER)))), types.get("answer"));
        assertEquals(new FieldType.Union(List.of(new FieldType.ModelRef("Issue"), string)), types.get("either"));

        OutputField verdict = outputs.models().get("Review").fields().get(0);
        assertEquals(Optional.of("The decision."), verdict.description());
        assertEquals(Optional.of(false), outputs.models().get("Review").fields().get(3).defaultValue());

        assertEquals(Map.of("Reviewer", "Review"), outputs.registry());
        assertEquals("Review", outputs.modelFor("Reviewer").orElseThrow().name());
        assertEquals(Optional.empty(), outputs.modelFor("Writer"));
    }

    @Test
    void writesAStrictJsonSchemaWithModelsInlined() throws Exception {
        StructuredOutputs outputs = outputs(REVIEW).clean().structuredOutputs();

        String issue = "{\"type\":\"object\",\"properties\":{\"line\":{\"type\":\"integer\"}},\"required\":[\"line\"],\"additionalProperties\":false}";
        String expected = """
                {"type":"object","properties":{
                  "verdict":{"type":"string","enum":["approve","revise"],"description":"The decision."},
                  "score":{"type":"integer"},
                  "ratio":{"type":"number"},
                  "final":{"type":"boolean"},
                  "notes":{"type":"string"},
                  "title":{"type":"string"},
                  "extra":{"type":"object"},
                  "summary":{"anyOf":[{"type":"string"},{"type":"null"}]},
                  "issues":{"type":"array","items":ISSUE},
                  "tags":{"anyOf":[{"type":"array","items":{"type":"string"}},{"type":"null"}]},
                  "links":{"type":"array","items":{"type":"string"}},
                  "answer":{"anyOf":[{"anyOf":[{"type":"string"},{"type":"integer"}]},{"type":"null"}]},
                  "either":{"anyOf":[ISSUE,{"type":"string"}]}},
                 "required":["verdict","score","ratio","final","notes","title","extra","summary","issues","tags","links","answer","either"],
                 "additionalProperties":false}
                """.replace("ISSUE", issue);
        assertEquals(JSON.readTree(expected), outputs.jsonSchema("Review"));

        assertEquals(JSON.readTree("{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"Issue\",\"strict\":true,\"schema\":" + issue + "}}"),
                outputs.responseFormat("Issue"));
        assertThrows(IllegalArgumentException.class, () -> outputs.jsonSchema("Nope"));
    }

    @Test
    void acceptsTheFlatForm() {
        StructuredOutputs outputs = outputs("""
                models:
                  Note: {fields: {text: {type: str}}}
                registry: {Writer: Note}
                """).clean().structuredOutputs();
        assertEquals("Note", outputs.modelFor("Writer").orElseThrow().name());
    }

    @Test
    void aBareListInAUnionIsAListOfAnything() throws Exception {
        StructuredOutputs outputs = outputs("""
                models:
                  Note: {fields: {body: {type: union, variants: [str, list, 'null']}}}
                registry: {Writer: Note}
                """).clean().structuredOutputs();
        assertEquals(JSON.readTree("""
                {"anyOf":[{"anyOf":[{"type":"string"},{"type":"array"}]},{"type":"null"}]}"""),
                outputs.jsonSchema("Note").path("properties").path("body"));
    }

    @Test
    void reportsUnknownTypesAndMissingDetails() {
        assertEquals(List.of(
                "structured_outputs.yaml: structured_outputs.models.Bad.fields.a.type: unknown type \"text\"",
                "structured_outputs.yaml: structured_outputs.models.Bad.fields.b.items: is required for a list type",
                "structured_outputs.yaml: structured_outputs.models.Bad.fields.c.values: a literal needs at least one value",
                "structured_outputs.yaml: structured_outputs.models.Bad.fields.d.variants: a union needs at least one non-null variant",
                "structured_outputs.yaml: structured_outputs.models.Bad.fields.e.type: unknown type \"Nope\"",
                "structured_outputs.yaml: structured_outputs.models.Bad.fields.f.type: is required",
                "structured_outputs.yaml: structured_outputs.models.Bad.type: unknown value \"schema\" (expected model)",
                "structured_outputs.yaml: structured_outputs.models.Empty.fields: is required"),
                outputs("""
                        structured_outputs:
                          models:
                            Bad:
                              type: schema
                              fields:
                                a: {type: text}
                                b: {type: list}
                                c: {type: literal, values: []}
                                d: {type: union, variants: ['null']}
                                e: {type: 'list[Nope]'}
                                f: {description: no type}
                            Empty: {type: model}
                        """).errors().stream().sorted().toList());
    }

    @Test
    void reportsRegistryReferencesToUnknownAgentsAndModels() {
        assertEquals(List.of(
                "structured_outputs.yaml: structured_outputs.registry.Editor: unknown agent \"Editor\"",
                "structured_outputs.yaml: structured_outputs.registry.Writer: unknown structured output model \"Draft\""),
                outputs("""
                        structured_outputs:
                          models:
                            Note: {type: model, fields: {text: {type: str}}}
                          registry:
                            Editor: Note
                            Writer: Draft
                        """).errors());
    }

    @Test
    void refusesModelsThatContainThemselves() {
        assertEquals(List.of(
                "structured_outputs.yaml: structured_outputs.models.Tree: model \"Tree\" contains itself (Tree -> Tree),"
                        + " which a strict JSON schema cannot inline",
                "structured_outputs.yaml: structured_outputs.models.A: model \"A\" contains itself (A -> B -> A),"
                        + " which a strict JSON schema cannot inline",
                "structured_outputs.yaml: structured_outputs.models.B: model \"B\" contains itself (B -> A -> B),"
                        + " which a strict JSON schema cannot inline"),
                outputs("""
                        structured_outputs:
                          models:
                            Tree: {type: model, fields: {children: {type: 'list[Tree]'}}}
                            A: {type: model, fields: {b: {type: union, variants: [B, 'null']}}}
                            B: {type: model, fields: {a: {type: optional_list, items: A}}}
                        """).errors());
    }
}
