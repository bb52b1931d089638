package ai.mozaiks.models.offline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SchemaSampleTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},\"required\":[\"a\"],\"additionalProperties\":false}",
            "{\"type\":\"object\",\"properties\":{\"mood\":{\"type\":\"string\",\"enum\":[\"calm\",\"busy\"]},"
                    + "\"n\":{\"type\":\"integer\",\"minimum\":3,\"maximum\":9},\"x\":{\"type\":\"number\",\"exclusiveMinimum\":0},"
                    + "\"ok\":{\"type\":\"boolean\"},\"none\":{\"type\":\"null\"},\"code\":{\"type\":\"string\",\"minLength\":4}},"
                    + "\"required\":[\"mood\",\"n\",\"x\",\"ok\",\"none\",\"code\"]}",
            "{\"type\":\"object\",\"properties\":{\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"minLength\":2},"
                    + "\"minItems\":2},\"pair\":{\"type\":\"array\",\"prefixItems\":[{\"type\":\"integer\"},{\"type\":\"string\"}],"
                    + "\"minItems\":2}},\"required\":[\"tags\",\"pair\"]}",
            "{\"$defs\":{\"Point\":{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"number\"},\"y\":{\"type\":\"number\"}},"
                    + "\"required\":[\"x\",\"y\"],\"additionalProperties\":false}},\"type\":\"object\","
                    + "\"properties\":{\"at\":{\"$ref\":\"#/$defs/Point\"},\"path\":{\"type\":\"array\",\"items\":"
                    + "{\"$ref\":\"#/$defs/Point\"},\"minItems\":1}},\"required\":[\"at\",\"path\"]}",
            "{\"type\":\"object\",\"properties\":{\"v\":{\"anyOf\":[{\"type\":\"integer\",\"minimum\":5},{\"type\":\"null\"}]},"
                    + "\"w\":{\"type\":[\"string\",\"null\"]},\"k\":{\"const\":\"fixed\"},\"d\":{\"type\":\"string\",\"format\":\"date-time\"}},"
                    + "\"required\":[\"v\",\"w\",\"k\",\"d\"]}",
            "{\"allOf\":[{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}},\"required\":[\"a\"]},"
                    + "{\"type\":\"object\",\"properties\":{\"b\":{\"type\":\"boolean\"}},\"required\":[\"b\"]}]}",
            "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\",\"maximum\":-3.5},"
                    + "\"m\":{\"type\":\"integer\",\"exclusiveMinimum\":10},\"f\":{\"type\":\"number\",\"minimum\":1.25}},"
                    + "\"required\":[\"n\",\"m\",\"f\"],\"minProperties\":3}"
    })
    void theSampleIsValidAgainstItsSchema(String schemaText) throws Exception {
        JsonNode schema = MAPPER.readTree(schemaText);

        JsonNode sample = SchemaSample.of(schema);

        assertTrue(sample.isObject(), sample.toString());
        assertEquals(java.util.List.of(), MiniSchemaValidator.errors(schema, sample), sample.toString());
    }

    @Test
    void onlyRequiredPropertiesAreFilledWithTheSmallestValues() throws Exception {
        JsonNode schema = MAPPER.readTree("{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},"
                + "\"age\":{\"type\":\"integer\"},\"level\":{\"enum\":[\"low\",\"high\"]},\"nick\":{\"type\":\"string\"}},"
                + "\"required\":[\"name\",\"age\",\"level\"]}");

        assertEquals(MAPPER.readTree("{\"name\":\"\",\"age\":0,\"level\":\"low\"}"), SchemaSample.of(schema));
    }

    @Test
    void aRecursiveReferenceIsRefusedInsteadOfLoopingForever() throws Exception {
        JsonNode schema = MAPPER.readTree("{\"$defs\":{\"Node\":{\"type\":\"object\",\"properties\":{\"next\":"
                + "{\"$ref\":\"#/$defs/Node\"}},\"required\":[\"next\"]}},\"$ref\":\"#/$defs/Node\"}");

        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> SchemaSample.of(schema));
        assertTrue(error.getMessage().contains("recursive"), error.getMessage());
    }

    @Test
    void aRemoteReferenceIsRefused() throws Exception {
        JsonNode schema = MAPPER.readTree("{\"$ref\":\"https://example.com/schema.json\"}");

        assertThrows(IllegalArgumentException.class, () -> SchemaSample.of(schema));
    }
}
