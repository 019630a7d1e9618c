package org.legonet.core.routing;

/**
 * The k adapters a sample activates, in ascending adapter index, with the raw distance to each
 * adapter's key (for similarity-weighted aggregation). Immutable.
 */
public record Route(int[] adapters, double[] distances) {
    public Route {
        adapters = adapters.clone();
        distances = distances.clone();
    }

    public int size() {
        return adapters.length;
    }

    public int adapter(int i) {
        return adapters[i];
    }
}
