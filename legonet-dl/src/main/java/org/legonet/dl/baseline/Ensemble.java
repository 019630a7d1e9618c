package org.legonet.dl.baseline;

import java.util.Locale;
import org.legonet.core.LegoNetException;
import org.legonet.core.model.LegoNetModel;

/**
 * The members' class probabilities on one evaluation set, kept so that after a removal only the
 * retrained members are evaluated again, and the two aggregation rules of SISA.
 */
public final class Ensemble {
    /** How members' outputs combine: the mean of their probabilities, or a majority vote of their labels. */
    public enum Aggregation {
        MEAN, VOTE;

        public static Aggregation parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "mean" -> MEAN;
                case "vote" -> VOTE;
                default -> throw new LegoNetException("aggregation must be mean or vote, got '" + s + "'");
            };
        }
    }

    private final float[][] members;
    private final int classes;
    private final int[] labels;

    public Ensemble(int size, int classes, int[] labels) {
        this.members = new float[size][];
        this.classes = classes;
        this.labels = labels.clone();
    }

    /** Sets member {@code i}'s probabilities ({@code labels.length * classes} values). */
    public void set(int i, float[] probs) {
        if (probs.length != labels.length * classes) {
            throw new IllegalArgumentException("member " + i + " has " + probs.length + " probabilities");
        }
        members[i] = probs;
    }

    /** Accuracy of the combined prediction ({@code NaN} on an empty set). */
    public double accuracy(Aggregation rule) {
        if (labels.length == 0) {
            return Double.NaN;
        }
        int rows = labels.length;
        float[] combined = new float[rows * classes];
        for (float[] m : members) {
            if (m == null) {
                throw new IllegalStateException("a member has not been evaluated");
            }
            if (rule == Aggregation.MEAN) {
                for (int i = 0; i < combined.length; i++) {
                    combined[i] += m[i];
                }
            } else {
                int[] votes = LegoNetModel.argmax(m, rows, classes);
                for (int r = 0; r < rows; r++) {
                    combined[r * classes + votes[r]] += 1.0f;
                }
            }
        }
        return Probabilities.accuracy(combined, classes, labels);
    }
}
