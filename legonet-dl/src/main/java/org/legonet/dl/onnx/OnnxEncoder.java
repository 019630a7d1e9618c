package org.legonet.dl.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.legonet.core.LegoNetException;
import org.legonet.core.encoder.Encoder;
import org.legonet.dl.byo.ByoSpec;
import org.legonet.dl.byo.ElementType;
import org.legonet.dl.byo.Shapes;

/**
 * A user's pretrained ONNX network run by ONNX Runtime, frozen: {@code onnx:PATH[:options]}. The
 * state is the model file's bytes, so a stored model needs no file beside it and its fingerprint
 * covers the weights. The input contract is in {@code docs/encoders.md}.
 *
 * <p><b>Determinism.</b> Every sample is run as its own batch of one, so its encoding cannot depend
 * on which other samples share a call (a batched GEMM may pick another kernel or blocking for
 * another batch size). The session uses one intra-op and one inter-op thread, sequential execution
 * and ONNX Runtime's deterministic-compute flag, so a run's order of floating-point operations does
 * not depend on the machine's thread count or on timing.
 *
 * <p><b>Threads.</b> One session is shared: ONNX Runtime allows concurrent {@code run} calls on a
 * session, and with one intra-op thread each run computes on its caller's thread alone, so
 * {@link org.legonet.core.encoder.Encoders#encodeAll} encodes in parallel across its workers.
 * {@link #close()} waits for running calls.
 */
public final class OnnxEncoder implements Encoder {
    private final String spec;
    private final ByoSpec byo;
    private final byte[] model;
    private final int inputDim;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final Feed sample;
    private final List<Feed> fixed;
    private final String output;
    private final long[] outputShape;
    private final int outputDim;
    private final ReadWriteLock life = new ReentrantReadWriteLock();
    private boolean closed;

    /** An input tensor: its name, element type, concrete shape, and for fixed inputs the constant it holds. */
    private record Feed(String name, ElementType type, long[] shape, double constant) {
    }

    private OnnxEncoder(String spec, ByoSpec byo, byte[] model, int inputDim, String source) {
        this.spec = spec;
        this.byo = byo;
        this.model = model;
        this.inputDim = inputDim;
        this.env = OrtEnvironment.getEnvironment();
        this.session = open(source);
        boolean ok = false;
        String fedAs = "";
        try {
            Map<String, NodeInfo> inputs = session.getInputInfo();
            Map<String, NodeInfo> outputs = session.getOutputInfo();
            String in = byo.input() != null ? byo.input() : inputs.keySet().iterator().next();
            NodeInfo info = inputs.get(in);
            if (info == null) {
                throw error("the model has no input '" + in + "'; its inputs are " + inputs.keySet());
            }
            TensorInfo t = tensor(info, "input");
            this.sample = new Feed(in, elementType(in, t), Shapes.resolve(spec, in, t.getShape(), byo.shape(), inputDim), 0);
            fedAs = " fed to input '" + in + "' as " + ByoSpec.format(sample.shape());
            this.fixed = fixedInputs(inputs);
            this.output = byo.output() != null ? byo.output() : outputs.keySet().iterator().next();
            NodeInfo out = outputs.get(output);
            if (out == null) {
                throw error("the model has no output '" + output + "'; its outputs are " + outputs.keySet());
            }
            OnnxJavaType ot = tensor(out, "output").type;
            if (ot != OnnxJavaType.FLOAT && ot != OnnxJavaType.DOUBLE) {
                throw error("output '" + output + "' holds " + ot.name().toLowerCase(Locale.ROOT)
                        + " values; the encoding must be float or double");
            }
            long[][] probeShape = new long[1][];
            float[] probe = runOne(new float[inputDim], 0, probeShape);
            this.outputShape = probeShape[0];
            if (outputShape.length > 0 && outputShape[0] != 1) {
                throw error("output '" + output + "' has shape " + ByoSpec.format(outputShape)
                        + " for one sample; its first dimension must be the batch of 1");
            }
            this.outputDim = byo.pool().outputDim(outputShape);
            if (outputDim <= 0) {
                throw error("output '" + output + "' is empty (shape " + ByoSpec.format(outputShape) + ")");
            }
            Shapes.checkFinite(spec, probe, 0);
            ok = true;
        } catch (OrtException e) {
            throw error("ONNX Runtime failed on a probe sample" + fedAs + ": " + oneLine(e));
        } finally {
            if (!ok) {
                closeQuietly();
            }
        }
    }

    /**
     * Loads {@code model} (the bytes of an ONNX file) for samples of {@code inputDim} values.
     *
     * @param source what the bytes are, for messages (the file, or the stored state)
     * @throws LegoNetException when the bytes are not a model ONNX Runtime can run, or the model does
     *                          not fit the contract and the data
     */
    static OnnxEncoder load(String spec, ByoSpec byo, byte[] model, int inputDim, String source) {
        return new OnnxEncoder(spec, byo, model, inputDim, source);
    }

    private OrtSession open(String source) {
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setIntraOpNumThreads(1);
            opts.setInterOpNumThreads(1);
            opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            opts.setDeterministicCompute(true);
            opts.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL); // failures reach the user as exceptions
            return env.createSession(model, opts);
        } catch (OrtException e) {
            throw error(source + " cannot be loaded as an ONNX model (ONNX Runtime: " + oneLine(e) + ")");
        }
    }

    private List<Feed> fixedInputs(Map<String, NodeInfo> inputs) {
        List<Feed> list = new ArrayList<>();
        for (Map.Entry<String, NodeInfo> e : inputs.entrySet()) {
            String name = e.getKey();
            if (name.equals(sample.name())) {
                continue;
            }
            String lower = name.toLowerCase(Locale.ROOT);
            double constant;
            if (lower.contains("mask")) {
                constant = 1;
            } else if (lower.contains("token_type") || lower.contains("segment")) {
                constant = 0;
            } else {
                throw error("input '" + name + "' cannot be filled in: the sample goes to '" + sample.name()
                        + "', and only inputs named like attention_mask (ones) or token_type_ids (zeros) are supplied");
            }
            TensorInfo t = tensor(e.getValue(), "input");
            long[] declared = t.getShape();
            long[] shape = sample.shape().clone();
            if (!Shapes.compatible(declared, shape)) {
                throw error("input '" + name + "' of shape " + ByoSpec.format(declared) + " does not match the sample input '"
                        + sample.name() + "' of shape " + ByoSpec.format(shape));
            }
            list.add(new Feed(name, elementType(name, t), shape, constant));
        }
        return list;
    }

    private TensorInfo tensor(NodeInfo info, String what) {
        if (!(info.getInfo() instanceof TensorInfo t)) {
            throw error(what + " '" + info.getName() + "' is not a tensor (" + info.getInfo() + ")");
        }
        return t;
    }

    private ElementType elementType(String name, TensorInfo t) {
        return switch (t.type) {
            case FLOAT -> ElementType.FLOAT32;
            case DOUBLE -> ElementType.FLOAT64;
            case INT64 -> ElementType.INT64;
            case INT32 -> ElementType.INT32;
            default -> throw error("input '" + name + "' has type " + t.type.name().toLowerCase(Locale.ROOT)
                    + "; supported input types are float, double, int64 and int32");
        };
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public int inputDim() {
        return inputDim;
    }

    @Override
    public int outputDim() {
        return outputDim;
    }

    /** The input that receives each sample. */
    public String inputName() {
        return sample.name();
    }

    /** The concrete shape a sample is fed as (batch dimension 1). */
    public long[] inputShape() {
        return sample.shape().clone();
    }

    /** The output that is the encoding. */
    public String outputName() {
        return output;
    }

    @Override
    public void encode(float[] in, int rows, float[] out) {
        life.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("encoder " + spec + " is closed");
            }
            long[][] shape = new long[1][];
            for (int r = 0; r < rows; r++) {
                float[] values = runOne(in, r * inputDim, shape);
                Shapes.accept(spec, "output '" + output + "'", r, values, shape[0], outputShape, byo.pool(), out,
                        r * outputDim);
            }
        } catch (OrtException e) {
            throw error("ONNX Runtime failed: " + oneLine(e));
        } finally {
            life.readLock().unlock();
        }
    }

    /** Runs one sample, {@code in[offset .. offset + inputDim)}; returns the output's values and sets its shape. */
    private float[] runOne(float[] in, int offset, long[][] shapeOut) throws OrtException {
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        try {
            feeds.put(sample.name(), tensor(sample, in, offset));
            for (Feed f : fixed) {
                feeds.put(f.name(), tensor(f, null, 0));
            }
            try (OrtSession.Result result = session.run(feeds, java.util.Set.of(output))) {
                Optional<OnnxValue> v = result.get(output);
                if (v.isEmpty() || !(v.get() instanceof OnnxTensor t)) {
                    throw error("output '" + output + "' is not a tensor");
                }
                shapeOut[0] = t.getInfo().getShape();
                if (t.getInfo().type == OnnxJavaType.DOUBLE) {
                    DoubleBuffer d = t.getDoubleBuffer();
                    float[] values = new float[d.remaining()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (float) d.get(i);
                    }
                    return values;
                }
                FloatBuffer fb = t.getFloatBuffer();
                float[] values = new float[fb.remaining()];
                fb.get(values);
                return values;
            }
        } finally {
            for (OnnxTensor t : feeds.values()) {
                t.close();
            }
        }
    }

    /** A tensor for one sample: {@code in[offset ..]} converted, or the feed's constant when {@code in} is null. */
    private OnnxTensor tensor(Feed f, float[] in, int offset) throws OrtException {
        int n = (int) ByoSpec.elements(f.shape());
        ByteBuffer b = ByteBuffer.allocateDirect(n * (f.type() == ElementType.INT32 || f.type() == ElementType.FLOAT32 ? 4 : 8))
                .order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            double v = in == null ? f.constant() : f.type().convert(in[offset + i], byo.scale(), "encoder '" + spec + "'");
            switch (f.type()) {
                case FLOAT32 -> b.putFloat((float) v);
                case FLOAT64 -> b.putDouble(v);
                case INT64 -> b.putLong((long) v);
                case INT32 -> b.putInt((int) v);
                default -> throw new IllegalStateException(f.type().name());
            }
        }
        b.flip();
        return switch (f.type()) {
            case FLOAT32 -> OnnxTensor.createTensor(env, b.asFloatBuffer(), f.shape());
            case FLOAT64 -> OnnxTensor.createTensor(env, b.asDoubleBuffer(), f.shape());
            case INT64 -> OnnxTensor.createTensor(env, b.asLongBuffer(), f.shape());
            case INT32 -> OnnxTensor.createTensor(env, b.asIntBuffer(), f.shape());
        };
    }

    /** The model file's bytes (a copy). */
    @Override
    public byte[] state() {
        return model.clone();
    }

    @Override
    public void close() {
        life.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                closeQuietly();
            }
        } finally {
            life.writeLock().unlock();
        }
    }

    private void closeQuietly() {
        try {
            session.close();
        } catch (OrtException e) {
            // nothing to do: the session is gone either way
        }
    }

    private LegoNetException error(String message) {
        return new LegoNetException("encoder '" + spec + "': " + message);
    }

    /** An ONNX Runtime message on one line. */
    static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        return m.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
