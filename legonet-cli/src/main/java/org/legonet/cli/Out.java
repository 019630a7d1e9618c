package org.legonet.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.legonet.core.Accuracy;

/** Result printing: one JSON object with {@code --json}, else aligned human-readable lines. */
final class Out {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE);

    private Out() {
    }

    static void json(PrintWriter out, Object value) {
        try {
            out.println(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("result cannot be written as JSON", e);
        }
        out.flush();
    }

    /** Accuracy as a JSON-friendly map: overall, count, and per class. */
    static Map<String, Object> accuracy(Accuracy a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("accuracy", round(a.accuracy()));
        m.put("samples", a.samples());
        List<Object> per = new ArrayList<>();
        for (int c = 0; c < a.perClassSamples().length; c++) {
            per.add(round(a.accuracy(c)));
        }
        m.put("per_class", per);
        return m;
    }

    static Object round(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return null;
        }
        return Math.round(v * 1e6) / 1e6;
    }

    static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }

    static String secs(double v) {
        return String.format(Locale.ROOT, v < 10 ? "%.3f s" : "%.1f s", v);
    }

    /** Key-value lines, keys padded to one width. */
    static void table(PrintWriter out, String title, Map<String, String> rows) {
        if (title != null) {
            out.println(title);
        }
        int w = 0;
        for (String k : rows.keySet()) {
            w = Math.max(w, k.length());
        }
        for (Map.Entry<String, String> e : rows.entrySet()) {
            out.printf(Locale.ROOT, "  %-" + w + "s  %s%n", e.getKey(), e.getValue());
        }
        out.flush();
    }

    static String shortDigest(String d) {
        return d == null ? "-" : d.substring(0, Math.min(16, d.length()));
    }

    static String list(List<Integer> xs, int max) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < Math.min(xs.size(), max); i++) {
            b.append(i == 0 ? "" : ", ").append(xs.get(i));
        }
        if (xs.size() > max) {
            b.append(", ... ").append(xs.size()).append(" in all");
        }
        return b.append(']').toString();
    }
}
