package ai.mozaiks.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The core library's packages depend on each other in one direction only (edges → engine → session/persistence →
 * kernel), so each can be read, changed and tested without the rest of the tangle; and the library knows nothing of
 * the hosts that run it (Azure Functions, the devhost). The graph is read from the sources: every import and every
 * fully qualified {@code ai.mozaiks...} name in code.
 */
class PackageGraphTest {
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern REFERENCE = Pattern.compile("\\bai\\.mozaiks(?:\\.\\w+)+");
    /** Comments, text blocks, string and char literals: names there are no dependency. */
    private static final Pattern NOT_CODE = Pattern.compile(
            "//[^\\n]*|/\\*.*?\\*/|\"\"\".*?\"\"\"|\"(?:\\\\.|[^\"\\\\\\n])*\"|'(?:\\\\.|[^'\\\\\\n])*'", Pattern.DOTALL);
    private static final List<String> HOST_TYPES = List.of("com.microsoft.azure.functions", "ai.mozaiks.functions",
            "ai.mozaiks.devhost");

    @Test
    void noPackageOfTheCoreLibraryIsInACycle() {
        Map<String, String> sources = sources();
        assertTrue(sources.size() > 250, "the sources were found: " + sources.size());
        Map<String, Set<String>> graph = graph(sources);
        assertTrue(graph.size() > 25, "the packages were found: " + graph.keySet());
        List<Set<String>> cycles = cycles(graph);
        assertEquals(List.of(), cycles, "packages that depend on each other in a cycle; their edges: " + edges(graph, cycles));
    }

    @Test
    void theCoreLibraryDoesNotKnowItsHosts() {
        Map<String, List<String>> found = new TreeMap<>();
        sources().forEach((file, source) -> {
            String code = NOT_CODE.matcher(source).replaceAll(" ");
            List<String> hosts = HOST_TYPES.stream().filter(host -> code.contains(host + ".")).toList();
            if (!hosts.isEmpty()) {
                found.put(file, hosts);
            }
        });
        assertEquals(Map.of(), found, "shared/ names types of a host");
    }

    @Test
    void theCheckSeesACycleThroughImportsAndQualifiedNames() {
        Map<String, Set<String>> graph = graph(Map.of(
                "a/A.java", "package ai.mozaiks.a;\nimport ai.mozaiks.b.B;\nclass A { B b; }",
                "b/B.java", "package ai.mozaiks.b;\n// ai.mozaiks.d.D in a comment is no dependency\n"
                        + "class B { Object o = ai.mozaiks.c.C.make(\"ai.mozaiks.d.D\"); }",
                "c/C.java", "package ai.mozaiks.c;\nimport static ai.mozaiks.a.A.helper;\nclass C { }",
                "d/D.java", "package ai.mozaiks.d;\nimport ai.mozaiks.c.*;\nclass D { }",
                "c/sub/E.java", "package ai.mozaiks.c.sub;\nimport ai.mozaiks.c.C;\nclass E { }"));
        assertEquals(Map.of("ai.mozaiks.a", Set.of("ai.mozaiks.b"), "ai.mozaiks.b", Set.of("ai.mozaiks.c"),
                "ai.mozaiks.c", Set.of("ai.mozaiks.a"), "ai.mozaiks.d", Set.of("ai.mozaiks.c"),
                "ai.mozaiks.c.sub", Set.of("ai.mozaiks.c")), graph);
        assertEquals(List.of(Set.of("ai.mozaiks.a", "ai.mozaiks.b", "ai.mozaiks.c")), cycles(graph));
    }

    /** Source file (relative to the repository root) → its text, for every main source of shared/. */
    private static Map<String, String> sources() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("shared/src/main/java"))) {
            dir = dir.getParent();
        }
        assertTrue(dir != null, "shared/src/main/java above " + Path.of("").toAbsolutePath());
        Path root = dir;
        Map<String, String> sources = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root.resolve("shared/src/main/java"))) {
            for (Path file : files.filter(path -> path.toString().endsWith(".java")).toList()) {
                sources.put(root.relativize(file).toString().replace('\\', '/'), Files.readString(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sources;
    }

    /** Package → the other packages of these sources that its code names. */
    private static Map<String, Set<String>> graph(Map<String, String> sources) {
        Map<String, String> packages = new HashMap<>();
        sources.forEach((file, source) -> {
            Matcher matcher = PACKAGE.matcher(source);
            assertTrue(matcher.find(), "a package declaration in " + file);
            packages.put(file, matcher.group(1));
        });
        Set<String> known = new TreeSet<>(packages.values());
        Map<String, Set<String>> graph = new TreeMap<>();
        sources.forEach((file, source) -> {
            String from = packages.get(file);
            Set<String> targets = graph.computeIfAbsent(from, key -> new TreeSet<>());
            Matcher names = REFERENCE.matcher(NOT_CODE.matcher(source).replaceAll(" "));
            while (names.find()) {
                String to = longestKnownPrefix(names.group(), known);
                if (to != null && !to.equals(from)) {
                    targets.add(to);
                }
            }
        });
        return graph;
    }

    /** {@code ai.mozaiks.x.y.Type.member} → {@code ai.mozaiks.x.y} when that is a package of the sources. */
    private static String longestKnownPrefix(String name, Set<String> known) {
        for (String prefix = name; prefix.contains("."); prefix = prefix.substring(0, prefix.lastIndexOf('.'))) {
            if (known.contains(prefix)) {
                return prefix;
            }
        }
        return null;
    }

    /** The strongly connected components of more than one package (Tarjan), each sorted. */
    private static List<Set<String>> cycles(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        List<Set<String>> cycles = new ArrayList<>();
        for (String node : graph.keySet()) {
            if (!index.containsKey(node)) {
                connect(node, graph, index, low, stack, cycles);
            }
        }
        return cycles;
    }

    private static void connect(String node, Map<String, Set<String>> graph, Map<String, Integer> index,
                                Map<String, Integer> low, Deque<String> stack, List<Set<String>> cycles) {
        index.put(node, index.size());
        low.put(node, index.get(node));
        stack.push(node);
        for (String next : graph.getOrDefault(node, Set.of())) {
            if (!index.containsKey(next)) {
                connect(next, graph, index, low, stack, cycles);
                low.put(node, Math.min(low.get(node), low.get(next)));
            } else if (stack.contains(next)) {
                low.put(node, Math.min(low.get(node), index.get(next)));
            }
        }
        if (low.get(node).equals(index.get(node))) {
            Set<String> component = new TreeSet<>();
            String member;
            do {
                member = stack.pop();
                component.add(member);
            } while (!member.equals(node));
            if (component.size() > 1) {
                cycles.add(component);
            }
        }
    }

    /** For a failure message: each cycle's packages with the edges that stay inside it. */
    private static Map<String, Set<String>> edges(Map<String, Set<String>> graph, List<Set<String>> cycles) {
        Map<String, Set<String>> edges = new TreeMap<>();
        for (Set<String> cycle : cycles) {
            for (String from : cycle) {
                Set<String> inside = new TreeSet<>(graph.get(from));
                inside.retainAll(cycle);
                edges.put(from, inside);
            }
        }
        return edges;
    }
}
