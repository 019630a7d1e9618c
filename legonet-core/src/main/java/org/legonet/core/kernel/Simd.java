package org.legonet.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species every kernel uses, chosen once per JVM.
 *
 * <p>The system property {@code legonet.simd} selects it: {@code auto} (default, the widest the CPU
 * has), {@code 512}, {@code 256}, {@code 128}, {@code 64} or {@code scalar}. Every kernel keeps each
 * output element's accumulation in one fixed order (ascending reduction index, fused multiply-add),
 * so the choice changes speed only, never a single bit of a result.
 */
public final class Simd {
    /** The species in use, or {@code null} when kernels run scalar. */
    public static final VectorSpecies<Float> SPECIES = choose(System.getProperty("legonet.simd", "auto"));
    /** Lanes per vector; 1 when scalar. */
    public static final int LANES = SPECIES == null ? 1 : SPECIES.length();

    private Simd() {
    }

    static VectorSpecies<Float> choose(String value) {
        switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "auto":
            case "":
                return FloatVector.SPECIES_PREFERRED.length() >= 4 ? FloatVector.SPECIES_PREFERRED : null;
            case "512":
                return FloatVector.SPECIES_512;
            case "256":
                return FloatVector.SPECIES_256;
            case "128":
                return FloatVector.SPECIES_128;
            case "64":
                return FloatVector.SPECIES_64;
            case "scalar":
                return null;
            default:
                throw new IllegalArgumentException(
                        "legonet.simd=" + value + " is not one of auto, 512, 256, 128, 64, scalar");
        }
    }

    /** A short description such as {@code "512-bit (16 float lanes)"} or {@code "scalar"}. */
    public static String describe() {
        return SPECIES == null ? "scalar" : SPECIES.vectorBitSize() + "-bit (" + LANES + " float lanes)";
    }
}
