package ai.mozaiks.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;
import org.junit.jupiter.api.Test;

class LruMapTest {
    @Test
    void theLeastRecentlyUsedEntryGoesWhenTheMapIsFull() {
        LruMap<String, Integer> map = new LruMap<>(2);
        map.put("a", 1);
        map.put("b", 2);
        map.get("a");
        map.put("c", 3);

        assertEquals(Set.of("a", "c"), map.keySet());
    }

    @Test
    void aBoundBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new LruMap<String, Integer>(0));
    }
}
