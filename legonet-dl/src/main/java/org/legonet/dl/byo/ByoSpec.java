package org.legonet.dl.byo;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.legonet.core.LegoNetException;

/**
 * A bring-your-own encoder specification: {@code KIND:PATH} followed by optional
 * {@code :name=value} options, e.g. {@code onnx:/models/net.onnx:shape=1x1x28x28:scale=0.00392156862745098}.
 *
 * <p>Options are read from the right for as long as the last {@code :}-separated part is a known
 * {@code name=value}; what is left after {@code KIND:} is the path (which may itself hold colons).
 *
 * @param kind   {@code onnx} or {@code torchscript}
 * @param path   the model file (read by {@code fit} only; a stored model carries the file's bytes)
 * @param input  the input that receives the sample (ONNX only; null: the model's first input)
 * @param output the output that is the encoding: a name for ONNX, an index for TorchScript (null: the first)
 * @param shape  the full input shape with batch dimension 1 (null: derived from the model and the data)
 * @param scale  every raw value is multiplied by this before it is fed to the model
 * @param pool   how a rank-3 {@code [1, seq, hidden]} output becomes one vector
 * @param dtype  the element type of the input tensor (TorchScript only, which does not declare it)
 */
public record ByoSpec(String kind, Path path, String input, String output, long[] shape, float scale, Pooling pool,
                      ElementType dtype) {
    private static final Set<String> OPTIONS = Set.of("input", "output", "shape", "scale", "pool", "dtype");

    /** What the CLI's help shows for {@code kind}. */
    public static String usage(String kind) {
        return kind + ":PATH[:input=NAME][:output=NAME][:shape=1xAxB][:scale=X][:pool=mean|first|none]"
                + (kind.equals("torchscript") ? "[:dtype=float32|int64|int32]" : "");
    }

    /** Whether {@code spec} names a {@code kind} encoder. */
    public static boolean isKind(String spec, String kind) {
        return spec.equals(kind) || spec.startsWith(kind + ":");
    }

    /**
     * Parses a specification of the given kind.
     *
     * @throws LegoNetException naming the bad part when the specification is malformed
     */
    public static ByoSpec parse(String spec, String kind) {
        if (!isKind(spec, kind)) {
            throw new IllegalArgumentException("not a " + kind + " specification: " + spec);
        }
        String rest = spec.length() > kind.length() ? spec.substring(kind.length() + 1) : "";
        Map<String, String> opts = new LinkedHashMap<>();
        while (true) {
            int colon = rest.lastIndexOf(':');
            String last = rest.substring(colon + 1);
            int eq = last.indexOf('=');
            if (colon < 0 || eq < 0 || !last.substring(0, eq).matches("[A-Za-z_]+")) {
                break;
            }
            String name = last.substring(0, eq).toLowerCase(Locale.ROOT);
            if (!OPTIONS.contains(name)) {
                throw new LegoNetException("encoder '" + spec + "': unknown option '" + name + "'; expected " + usage(kind));
            }
            if (opts.putIfAbsent(name, last.substring(eq + 1)) != null) {
                throw new LegoNetException("encoder '" + spec + "': option " + name + " is given twice");
            }
            rest = rest.substring(0, colon);
        }
        if (rest.isEmpty()) {
            throw new LegoNetException("encoder '" + spec + "' names no model file; expected " + usage(kind));
        }
        boolean onnx = kind.equals("onnx");
        if (!onnx && opts.containsKey("input")) {
            throw new LegoNetException("encoder '" + spec + "': a TorchScript module has one positional input; drop input=");
        }
        if (onnx && opts.containsKey("dtype")) {
            throw new LegoNetException("encoder '" + spec + "': an ONNX model declares its input type; drop dtype=");
        }
        String output = opts.get("output");
        if (!onnx && output != null && !output.matches("\\d{1,6}")) {
            throw new LegoNetException("encoder '" + spec + "': output= must be the index of the module's output (0, 1, ...), got '"
                    + output + "'");
        }
        return new ByoSpec(kind, Path.of(rest), emptyToNull(opts.get("input")), emptyToNull(output),
                parseShape(spec, opts.get("shape")), parseScale(spec, opts.get("scale")),
                Pooling.parse(spec, opts.get("pool")), ElementType.parse(spec, opts.get("dtype")));
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static long[] parseShape(String spec, String s) {
        if (s == null) {
            return null;
        }
        String[] parts = s.split("[x,]", -1);
        long[] shape = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                shape[i] = Long.parseLong(parts[i].trim());
            } catch (NumberFormatException e) {
                shape[i] = -1;
            }
            if (shape[i] <= 0) {
                throw new LegoNetException("encoder '" + spec + "': shape= must be positive sizes joined by x (e.g. 1x1x28x28), got '"
                        + s + "'");
            }
        }
        if (shape[0] != 1) {
            throw new LegoNetException("encoder '" + spec + "': shape= starts with the batch dimension, which must be 1, got '"
                    + s + "'");
        }
        return shape;
    }

    private static float scaleOf(String spec, String s) {
        float v;
        try {
            v = Float.parseFloat(s);
        } catch (NumberFormatException e) {
            v = Float.NaN;
        }
        if (!Float.isFinite(v) || v == 0f) {
            throw new LegoNetException("encoder '" + spec + "': scale= must be a finite non-zero number, got '" + s + "'");
        }
        return v;
    }

    private static float parseScale(String spec, String s) {
        if (s == null) {
            return 1f;
        }
        int slash = s.indexOf('/');
        if (slash > 0) { // 1/255
            return scaleOf(spec, Float.toString(scaleOf(spec, s.substring(0, slash)) / scaleOf(spec, s.substring(slash + 1))));
        }
        return scaleOf(spec, s);
    }

    /** The product of {@code shape}, or -1 when it overflows an int. */
    public static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
            if (n > Integer.MAX_VALUE || n < 0) {
                return -1;
            }
        }
        return n;
    }

    /** A shape as {@code 1x3x28x28}, dynamic dimensions as {@code ?}. */
    public static String format(long[] shape) {
        StringBuilder b = new StringBuilder();
        for (long d : shape) {
            b.append(b.length() == 0 ? "" : "x").append(d < 0 ? "?" : Long.toString(d));
        }
        return shape.length == 0 ? "scalar" : b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ByoSpec s && kind.equals(s.kind) && path.equals(s.path) && java.util.Objects.equals(input, s.input)
                && java.util.Objects.equals(output, s.output) && Arrays.equals(shape, s.shape)
                && Float.compare(scale, s.scale) == 0 && pool == s.pool && dtype == s.dtype;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(kind, path, input, output, Arrays.hashCode(shape), scale, pool, dtype);
    }

    @Override
    public String toString() {
        return kind + ":" + path;
    }
}
