package org.legonet.dl.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes small ONNX models (ir_version 8, opset 13) from code, so tests and the benchmark need no
 * model file committed or downloaded. Field numbers are those of onnx.proto; only what such small
 * graphs use is here: nodes, float initializers and tensor value infos.
 */
public final class OnnxGraph {
    /** ONNX element type of float32 tensors. */
    public static final int FLOAT = 1;
    /** ONNX element type of int32 tensors. */
    public static final int INT32 = 6;
    /** ONNX element type of int64 tensors. */
    public static final int INT64 = 7;
    /** ONNX element type of boolean tensors. */
    public static final int BOOL = 9;

    private OnnxGraph() {
    }

    /** A ModelProto around {@code graph}, as the bytes of an ONNX file. */
    public static byte[] model(Proto graph, String producer) {
        return new Proto()
                .varint(1, 8) // ir_version
                .string(2, producer) // producer_name
                .message(7, graph)
                .message(8, new Proto().string(1, "").varint(2, 13)) // opset_import: default domain, opset 13
                .toByteArray();
    }

    /** A NodeProto applying {@code op} to {@code inputs}, named after its output. */
    public static Proto node(String op, String[] inputs, String output) {
        Proto n = new Proto();
        for (String i : inputs) {
            n.string(1, i);
        }
        return n.string(2, output).string(3, op + "_" + output).string(4, op);
    }

    /** A float TensorProto (an initializer) of shape {@code dims}, values row-major. */
    public static Proto floatTensor(String name, long[] dims, float[] values) {
        Proto t = new Proto();
        for (long d : dims) {
            t.varint(1, d);
        }
        ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return t.varint(2, FLOAT).string(8, name).bytes(9, raw.array());
    }

    /** A ValueInfoProto for a tensor; each dimension is a Long (fixed) or a String (symbolic). */
    public static Proto value(String name, int elemType, Object... dims) {
        Proto shape = new Proto();
        for (Object d : dims) {
            shape.message(1, d instanceof String s ? new Proto().string(2, s) : new Proto().varint(1, (Long) d));
        }
        Proto tensor = new Proto().varint(1, elemType).message(2, shape);
        return new Proto().string(1, name).message(2, new Proto().message(1, tensor));
    }

    /** A minimal protocol-buffers writer: just the wire types an ONNX model needs (varint, length-delimited). */
    public static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        public Proto varint(int field, long value) {
            tag(field, 0);
            raw(value);
            return this;
        }

        public Proto string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        public Proto bytes(int field, byte[] value) {
            tag(field, 2);
            raw(value.length);
            out.writeBytes(value);
            return this;
        }

        public Proto message(int field, Proto value) {
            return bytes(field, value.toByteArray());
        }

        public byte[] toByteArray() {
            return out.toByteArray();
        }

        private void tag(int field, int wireType) {
            raw(((long) field << 3) | wireType);
        }

        private void raw(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }
    }
}
