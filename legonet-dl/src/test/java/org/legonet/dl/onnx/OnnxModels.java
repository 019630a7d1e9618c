package org.legonet.dl.onnx;

import static org.legonet.dl.onnx.OnnxGraph.floatTensor;
import static org.legonet.dl.onnx.OnnxGraph.node;
import static org.legonet.dl.onnx.OnnxGraph.value;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.legonet.dl.onnx.OnnxGraph.Proto;

/**
 * Small ONNX models written by the tests themselves (ir_version 8, opset 13), so no model file is
 * committed or downloaded. Field numbers are those of onnx.proto.
 */
final class OnnxModels {
    static final int FLOAT = OnnxGraph.FLOAT;
    static final int INT32 = OnnxGraph.INT32;
    static final int INT64 = OnnxGraph.INT64;
    static final int BOOL = OnnxGraph.BOOL;

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
                .message(5, floatTensor("W", new long[] {d, h}, w))
                .message(5, floatTensor("b", new long[] {h}, b))
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
        return OnnxGraph.model(graph, "legonet-test");
    }
}
