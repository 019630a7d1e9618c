package org.legonet.dl.cnn;

import org.legonet.core.data.Dataset;

/**
 * Fits {@link CnnNetworkTest#SPEC} on {@link CnnNetworkTest#data()} with the given thread count and prints the
 * SHA-256 of the weights' bytes: run in a child JVM by {@link CnnNetworkTest} to compare bits across processes
 * and {@code -Dlegonet.simd} settings.
 */
public final class CnnFitMain {
    private CnnFitMain() {
    }

    public static void main(String[] args) {
        int threads = Integer.parseInt(args[0]);
        Dataset data = CnnNetworkTest.data();
        System.out.println(CnnNetworkTest.digest(CnnNetworkTest.fit(data, threads).weights()));
    }
}
