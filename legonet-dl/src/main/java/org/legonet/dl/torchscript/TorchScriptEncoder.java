package org.legonet.dl.torchscript;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtModel;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.legonet.core.LegoNetException;
import org.legonet.core.encoder.Encoder;
import org.legonet.dl.byo.ByoSpec;
import org.legonet.dl.byo.ElementType;
import org.legonet.dl.byo.Shapes;

/**
 * A user's TorchScript module run by DJL's PyTorch engine, frozen: {@code torchscript:PATH[:options]}.
 * The state is the module file's bytes (loaded from memory on restore), so a stored model needs no
 * file beside it and its fingerprint covers the weights. The input contract is in
 * {@code docs/encoders.md}: TorchScript declares no input shapes or types, so the sample is fed as
 * {@code [1, D]} float32 unless {@code shape=} and {@code dtype=} say otherwise.
 *
 * <p><b>Determinism.</b> Every sample is run as its own batch of one. Around each call, the calling
 * thread runs PyTorch with one intra-op thread (PyTorch's CPU build takes its OpenMP thread count
 * per calling thread; the previous count is restored afterwards, so other PyTorch work in the
 * process keeps its threads), with gradients off and the TorchScript graph optimizer off: the
 * optimizing executor re-specialises and fuses a graph after its first runs, which could change the
 * kernels, and so the bits, between the first encodings and later ones.
 *
 * <p><b>Threads.</b> The loaded module is shared; TorchScript allows concurrent inference calls,
 * each call uses its own NDManager, and {@link #close()} waits for running calls.
 */
public final class TorchScriptEncoder implements Encoder {
    private final String spec;
    private final ByoSpec byo;
    private final byte[] module;
    private final int inputDim;
    private final Model model;
    private final PtSymbolBlock block;
    private final long[] inputShape;
    private final int outputIndex;
    private final long[] outputShape;
    private final int outputDim;
    private final ReadWriteLock life = new ReentrantReadWriteLock();
    private boolean closed;

    private TorchScriptEncoder(String spec, ByoSpec byo, byte[] module, int inputDim, String source) {
        this.spec = spec;
        this.byo = byo;
        this.module = module;
        this.inputDim = inputDim;
        this.inputShape = Shapes.resolve(spec, "x", null, byo.shape(), inputDim);
        this.outputIndex = byo.output() == null ? 0 : Integer.parseInt(byo.output());
        this.model = newModel();
        boolean ok = false;
        try {
            this.block = load(source);
            float[][] probe = new float[1][];
            long[][] shape = new long[1][];
            runAll(new float[inputDim], 1, (r, values, s) -> {
                probe[0] = values;
                shape[0] = s;
            });
            this.outputShape = shape[0];
            if (outputShape.length > 0 && outputShape[0] != 1) {
                throw error("output " + outputIndex + " has shape " + ByoSpec.format(outputShape)
                        + " for one sample; its first dimension must be the batch of 1");
            }
            this.outputDim = byo.pool().outputDim(outputShape);
            if (outputDim <= 0) {
                throw error("output " + outputIndex + " is empty (shape " + ByoSpec.format(outputShape) + ")");
            }
            Shapes.checkFinite(spec, probe[0], 0);
            ok = true;
        } finally {
            if (!ok) {
                model.close();
            }
        }
    }

    /**
     * Loads {@code module} (the bytes of a TorchScript file) for samples of {@code inputDim} values.
     *
     * @param source what the bytes are, for messages (the file, or the stored state)
     * @throws LegoNetException when the bytes are not a module PyTorch can load, or the module does
     *                          not fit the contract and the data
     */
    static TorchScriptEncoder load(String spec, ByoSpec byo, byte[] module, int inputDim, String source) {
        return new TorchScriptEncoder(spec, byo, module, inputDim, source);
    }

    private Model newModel() {
        try {
            Engine.getEngine("PyTorch");
            return Model.newInstance("torchscript-encoder", Device.cpu(), "PyTorch");
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw error("the PyTorch engine is not available (" + oneLine(e) + ")");
        }
    }

    private PtSymbolBlock load(String source) {
        try {
            ((PtModel) model).load(new ByteArrayInputStream(module), false);
        } catch (IOException | MalformedModelException | EngineException e) {
            throw error(source + " cannot be loaded as a TorchScript module (PyTorch: " + oneLine(e) + ")");
        }
        if (!(model.getBlock() instanceof PtSymbolBlock b)) {
            throw error(source + " did not load as a TorchScript module");
        }
        return b;
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

    /** The concrete shape a sample is fed as (batch dimension 1). */
    public long[] inputShape() {
        return inputShape.clone();
    }

    @Override
    public void encode(float[] in, int rows, float[] out) {
        life.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("encoder " + spec + " is closed");
            }
            runAll(in, rows, (r, values, shape) -> Shapes.accept(spec, "output " + outputIndex, r, values, shape,
                    outputShape, byo.pool(), out, r * outputDim));
        } finally {
            life.readLock().unlock();
        }
    }

    /** Receives one sample's output values and shape. */
    private interface Sink {
        void accept(int row, float[] values, long[] shape);
    }

    /** Runs each of {@code rows} samples alone, on this thread, with the settings described above. */
    private void runAll(float[] in, int rows, Sink sink) {
        int threads = JniUtils.getNumThreads();
        if (threads != 1) {
            JniUtils.setNumThreads(1);
        }
        JniUtils.setGradMode(false);
        JniUtils.setGraphExecutorOptimize(false);
        try (NDManager manager = model.getNDManager().newSubManager()) {
            ParameterStore params = new ParameterStore(manager, false);
            for (int r = 0; r < rows; r++) {
                try (NDManager m = manager.newSubManager()) {
                    NDList result = block.forward(params, new NDList(input(m, in, r * inputDim)), false);
                    if (outputIndex >= result.size()) {
                        throw error("the module returned " + result.size() + " output(s); output=" + outputIndex
                                + " does not exist");
                    }
                    NDArray o = result.get(outputIndex);
                    sink.accept(r, values(o), o.getShape().getShape());
                }
            }
        } catch (EngineException e) {
            throw error("PyTorch failed to run the module on a sample fed as " + ByoSpec.format(inputShape) + " "
                    + byo.dtype().name().toLowerCase(Locale.ROOT) + " (" + oneLine(e) + ")");
        } finally {
            if (threads != 1) {
                JniUtils.setNumThreads(threads);
            }
        }
    }

    private NDArray input(NDManager m, float[] in, int offset) {
        Shape shape = new Shape(inputShape);
        ElementType t = byo.dtype();
        String what = "encoder '" + spec + "'";
        return switch (t) {
            case FLOAT32 -> {
                float[] x = new float[inputDim];
                for (int i = 0; i < inputDim; i++) {
                    x[i] = (float) t.convert(in[offset + i], byo.scale(), what);
                }
                yield m.create(x, shape);
            }
            case FLOAT64 -> {
                double[] x = new double[inputDim];
                for (int i = 0; i < inputDim; i++) {
                    x[i] = t.convert(in[offset + i], byo.scale(), what);
                }
                yield m.create(x, shape);
            }
            case INT64 -> {
                long[] x = new long[inputDim];
                for (int i = 0; i < inputDim; i++) {
                    x[i] = (long) t.convert(in[offset + i], byo.scale(), what);
                }
                yield m.create(x, shape);
            }
            case INT32 -> {
                int[] x = new int[inputDim];
                for (int i = 0; i < inputDim; i++) {
                    x[i] = (int) t.convert(in[offset + i], byo.scale(), what);
                }
                yield m.create(x, shape);
            }
        };
    }

    private float[] values(NDArray o) {
        DataType t = o.getDataType();
        if (t == DataType.FLOAT32) {
            return o.toFloatArray();
        }
        if (t == DataType.FLOAT64) {
            double[] d = o.toDoubleArray();
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i];
            }
            return f;
        }
        throw error("output " + outputIndex + " holds " + t.name().toLowerCase(Locale.ROOT)
                + " values; the encoding must be float32 or float64");
    }

    /** The module file's bytes (a copy). */
    @Override
    public byte[] state() {
        return module.clone();
    }

    @Override
    public void close() {
        life.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                model.close();
            }
        } finally {
            life.writeLock().unlock();
        }
    }

    private LegoNetException error(String message) {
        return new LegoNetException("encoder '" + spec + "': " + message);
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        String line = m.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
        return line.length() > 400 ? line.substring(0, 400) + "..." : line;
    }
}
