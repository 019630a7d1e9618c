package org.legonet.dl.onnx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Small ONNX models written by the tests themselves (ir_version 8, opset 13), so no model file is
 * committed or downloaded. Field numbers are those of onnx.proto.
 */
final class OnnxModels {
    static final int FLOAT = 1;
    static final int INT32 = 6;
    static final int INT64 = 7;
    static final int BOOL = 9;

    private OnnxModels() {
    }

    /**
     * {@code y = relu(x W + b)}: input {@code x} of shape {@code [batch, d]} float (batch dynamic
     * when {@code dynamicBatch}, else 1), initializers W ({@code d x h}, row-major) and b, output {@code y}.
     */
    static byte[] denseRelu(int d, int h, float[] w, float[] b, boolean dynamicBatch) {
        Object batch = dynamicBatch ? "N" : (Object) 1L;
        Proto graph = new Proto()
                .message(1, node("MatMul", new String[] {"x", "W"}, "xw"))
                .message(1, node("Add", new String[] {"xw", "b"}, "z"))
                .message(1, node("Relu", new String[] {"z"}, "y"))
                .string(2, "dense_relu")
                .message(5, initializer("W", new long[] {d, h}, w))
                .message(5, initializer("b", new long[] {h}, b))
                .message(11, value("x", FLOAT, batch, (long) d))
                .message(12, value("y", FLOAT, batch, (long) h));
        return model(graph);
    }

    /** The reference computation of {@link #denseRelu} for one sample, in double precision. */
    static float[] denseReluReference(float[] x, int offset, int d, int h, float[] w, float[] b) {
        float[] y = new float[h];
        for (int j = 0; j < h; j++) {
            double s = b[j];
            for (int i = 0; i < d; i++) {
                s += (double) x[offset + i] * w[i * h + j];
            }
            y[j] = (float) Math.max(0, s);
        }
        return y;
    }

    /** {@code y = log(x)}, input {@code [1, d]}: minus infinity for a zero feature. */
    static byte[] log(int d) {
        return model(new Proto()
                .message(1, node("Log", new String[] {"x"}, "y"))
                .string(2, "log")
                .message(11, value("x", FLOAT, 1L, (long) d))
                .message(12, value("y", FLOAT, 1L, (long) d)));
    }

    /** {@code y = float(x)} with an input of element type {@code type} and shape {@code [1, d]}. */
    static byte[] cast(int type, int d) {
        Proto cast = node("Cast", new String[] {"x"}, "y")
                .message(5, new Proto().string(1, "to").varint(3, FLOAT).varint(20, 2));
        return model(new Proto()
                .message(1, cast)
                .string(2, "cast")
                .message(11, value("x", type, 1L, (long) d))
                .message(12, value("y", FLOAT, 1L, (long) d)));
    }

    /** Two inputs, {@code x} and {@code other} (neither a mask nor token types): {@code y = x + other}. */
    static byte[] twoInputs(int d) {
        return model(new Proto()
                .message(1, node("Add", new String[] {"x", "other"}, "y"))
                .string(2, "two_inputs")
                .message(11, value("x", FLOAT, 1L, (long) d))
                .message(11, value("other", FLOAT, 1L, (long) d))
                .message(12, value("y", FLOAT, 1L, (long) d)));
    }

    static Path write(Path file, byte[] model) {
        try {
            Files.write(file, model);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] model(Proto graph) {
        return new Proto()
                .varint(1, 8) // ir_version
                .string(2, "legonet-test") // producer_name
                .message(7, graph)
                .message(8, new Proto().string(1, "").varint(2, 13)) // opset_import: default domain, opset 13
                .toByteArray();
    }

    private static Proto node(String op, String[] inputs, String output) {
        Proto n = new Proto();
        for (String i : inputs) {
            n.string(1, i);
        }
        return n.string(2, output).string(3, op + "_" + output).string(4, op);
    }

    private static Proto initializer(String name, long[] dims, float[] values) {
        Proto t = new Proto();
        for (long d : dims) {
            t.varint(1, d);
        }
        ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        return t.varint(2, FLOAT).string(8, name).bytes(9, raw.array());
    }

    /** A ValueInfoProto for a tensor; each dimension is a Long (fixed) or a String (symbolic). */
    private static Proto value(String name, int elemType, Object... dims) {
        Proto shape = new Proto();
        for (Object d : dims) {
            shape.message(1, d instanceof String s ? new Proto().string(2, s) : new Proto().varint(1, (Long) d));
        }
        Proto tensor = new Proto().varint(1, elemType).message(2, shape);
        return new Proto().string(1, name).message(2, new Proto().message(1, tensor));
    }
}
