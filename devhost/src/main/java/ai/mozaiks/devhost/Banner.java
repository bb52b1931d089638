package ai.mozaiks.devhost;

import ai.mozaiks.devhost.functions.FunctionCatalog;
import ai.mozaiks.devhost.functions.FunctionDescriptor;
import java.util.ArrayList;
import java.util.List;

/** The start-up summary: every URL a developer needs, in one place. */
final class Banner {
    private final List<String> lines = new ArrayList<>();

    void line(String label, String value) {
        lines.add(String.format("  %-10s %s", label, value));
    }

    void functions(FunctionCatalog catalog, String baseUrl) {
        for (FunctionDescriptor function : catalog.all()) {
            if (function instanceof FunctionDescriptor.Http http) {
                line(function.name(), String.join(",", http.methods()) + "  " + baseUrl + "/" + http.route());
            } else if (function instanceof FunctionDescriptor.Queue queue) {
                line(function.name(), "queue " + queue.queueName());
            } else if (function instanceof FunctionDescriptor.Timer timer) {
                line(function.name(), "timer " + timer.schedule().expression());
            }
        }
        line("Admin", "POST " + baseUrl + "/admin/functions/{name}  {\"input\": \"...\"}");
    }

    void print(String title) {
        StringBuilder out = new StringBuilder(System.lineSeparator()).append(title).append(System.lineSeparator());
        lines.forEach(line -> out.append(line).append(System.lineSeparator()));
        out.append("  Stop with Ctrl-C.").append(System.lineSeparator());
        System.out.print(out);
        System.out.flush();
    }
}
