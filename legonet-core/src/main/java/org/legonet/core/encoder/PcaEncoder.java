package org.legonet.core.encoder;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.legonet.core.InvalidSettingException;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;
import org.legonet.core.kernel.Gemm;
import org.legonet.core.Progress;

/**
 * Principal component analysis fitted on the public split: {@code e = (x - mean) * W}, where the
 * columns of W are the top D eigenvectors of the public covariance, each scaled by
 * {@code 1 / sqrt(eigenvalue + eps)} (whitening) so every encoding dimension has unit variance on
 * the public data. {@code pca:D:plain} keeps the components' natural scale (divided by the largest
 * standard deviation), for comparison.
 */
public final class PcaEncoder implements Encoder {
    private static final int MAGIC = 0x50434131; // "PCA1"
    private static final int COV_BLOCK = 64;
    private final String spec;
    private final int inputDim;
    private final int outputDim;
    private final float[] mean;
    private final float[] projection; // inputDim x outputDim, row-major
    private final double[] explained; // eigenvalues of the kept components (informational)

    private PcaEncoder(String spec, int inputDim, int outputDim, float[] mean, float[] projection, double[] explained) {
        this.spec = spec;
        this.inputDim = inputDim;
        this.outputDim = outputDim;
        this.mean = mean;
        this.projection = projection;
        this.explained = explained;
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

    /** Variance of each kept component on the public split, largest first (a copy). */
    public double[] componentVariances() {
        return explained.clone();
    }

    @Override
    public void encode(float[] in, int rows, float[] out) {
        float[] centred = new float[rows * inputDim];
        for (int r = 0; r < rows; r++) {
            int o = r * inputDim;
            for (int i = 0; i < inputDim; i++) {
                centred[o + i] = in[o + i] - mean[i];
            }
        }
        java.util.Arrays.fill(out, 0, rows * outputDim, 0.0f);
        Gemm.mulAdd(rows, outputDim, inputDim, centred, 0, inputDim, 1, projection, 0, outputDim, out, 0, outputDim);
    }

    @Override
    public byte[] state() {
        ByteBuffer b = ByteBuffer.allocate(12 + 4 * inputDim + 4 * inputDim * outputDim + 8 * outputDim)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(inputDim).putInt(outputDim);
        for (float v : mean) {
            b.putFloat(v);
        }
        for (float v : projection) {
            b.putFloat(v);
        }
        for (double v : explained) {
            b.putDouble(v);
        }
        return b.array();
    }

    record Spec(int dim, boolean whiten) {
        static Spec parse(String spec) {
            String[] parts = spec.split(":");
            if (parts.length < 2 || parts.length > 3 || !parts[0].equals("pca")
                    || (parts.length == 3 && !parts[2].equals("plain"))) {
                throw new InvalidSettingException("encoder",
                        "encoder '" + spec + "' is not of the form pca:D or pca:D:plain");
            }
            int dim;
            try {
                dim = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new InvalidSettingException("encoder",
                        "encoder '" + spec + "': D must be a positive integer, got '" + parts[1] + "'");
            }
            if (dim <= 0) {
                throw new InvalidSettingException("encoder", "encoder '" + spec + "': D must be positive, got " + dim);
            }
            return new Spec(dim, parts.length == 2);
        }
    }

    /** Builds {@code pca:D} (whitened) and {@code pca:D:plain}. */
    public static final class Provider implements EncoderProvider {
        @Override
        public boolean supports(String spec) {
            return spec.startsWith("pca:") || spec.equals("pca");
        }

        @Override
        public Encoder fit(String spec, Dataset pub, long seed, Progress progress) {
            Spec s = Spec.parse(spec);
            int f = pub.dim();
            int n = pub.size();
            if (s.dim() > f) {
                throw new LegoNetException("encoder " + spec + " asks for " + s.dim() + " components but samples have only "
                        + f + " features");
            }
            if (n < 2) {
                throw new LegoNetException("encoder " + spec + " needs at least 2 public samples, got " + n);
            }
            progress.start("fit " + spec + " on " + n + " public samples", 3);
            double[] meanD = new double[f];
            float[] row = new float[f];
            for (int r = 0; r < n; r++) {
                pub.copyRow(r, row, 0);
                for (int i = 0; i < f; i++) {
                    meanD[i] += row[i];
                }
            }
            float[] mean = new float[f];
            for (int i = 0; i < f; i++) {
                mean[i] = (float) (meanD[i] / n);
            }
            float[] centred = new float[n * f];
            for (int r = 0; r < n; r++) {
                pub.copyRow(r, centred, r * f);
                for (int i = 0; i < f; i++) {
                    centred[r * f + i] -= mean[i];
                }
            }
            progress.step(1);
            float[] cov = new float[f * f];
            // cov = X^T X, accumulated over samples in row order by the deterministic kernel. Blocks of
            // rows continue each element's chain of fused multiply-adds where the previous block left
            // it, so the result equals one call; many short calls let the JIT compile the kernel early.
            for (int from = 0; from < n; from += COV_BLOCK) {
                int rows = Math.min(COV_BLOCK, n - from);
                Gemm.mulAdd(f, f, rows, centred, from * f, 1, f, centred, from * f, f, cov, 0, f);
            }
            double[][] c = new double[f][f];
            for (int i = 0; i < f; i++) {
                for (int j = 0; j < f; j++) {
                    // symmetrise explicitly: the two triangles are equal in exact arithmetic only
                    c[i][j] = 0.5 * ((double) cov[i * f + j] + cov[j * f + i]) / (n - 1);
                }
            }
            progress.step(1);
            SymmetricEigen eig = new SymmetricEigen(c);
            double top = Math.max(eig.values[0], Double.MIN_NORMAL);
            double eps = 1e-6 * top;
            float[] proj = new float[f * s.dim()];
            double[] explained = new double[s.dim()];
            for (int j = 0; j < s.dim(); j++) {
                double lambda = Math.max(eig.values[j], 0.0);
                explained[j] = lambda;
                double scale = s.whiten() ? 1.0 / Math.sqrt(lambda + eps) : 1.0 / Math.sqrt(top);
                for (int i = 0; i < f; i++) {
                    proj[i * s.dim() + j] = (float) (eig.vectors[i][j] * scale);
                }
            }
            progress.step(1);
            progress.finish();
            return new PcaEncoder(spec, f, s.dim(), mean, proj, explained);
        }

        @Override
        public Encoder restore(String spec, int inputDim, byte[] state) {
            Spec s = Spec.parse(spec);
            ByteBuffer b = ByteBuffer.wrap(state).order(ByteOrder.LITTLE_ENDIAN);
            long expected = 12L + 4L * inputDim + 4L * inputDim * s.dim() + 8L * s.dim();
            if (state.length != expected || b.getInt() != MAGIC || b.getInt() != inputDim || b.getInt() != s.dim()) {
                throw new LegoNetException("stored " + spec + " encoder state does not match its specification ("
                        + state.length + " bytes, expected " + expected + " for input dimension " + inputDim + ")");
            }
            float[] mean = new float[inputDim];
            for (int i = 0; i < inputDim; i++) {
                mean[i] = b.getFloat();
            }
            float[] proj = new float[inputDim * s.dim()];
            for (int i = 0; i < proj.length; i++) {
                proj[i] = b.getFloat();
            }
            double[] explained = new double[s.dim()];
            for (int i = 0; i < explained.length; i++) {
                explained[i] = b.getDouble();
            }
            return new PcaEncoder(spec, inputDim, s.dim(), mean, proj, explained);
        }

        @Override
        public String usage() {
            return "pca:D (whitened PCA to D dimensions, fitted on the public split), pca:D:plain";
        }
    }
}
