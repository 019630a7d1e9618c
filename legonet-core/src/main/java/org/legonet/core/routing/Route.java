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

    /** The activated adapters, ascending (a copy). */
    @Override
    public int[] adapters() {
        return adapters.clone();
    }

    /** The raw distance to each activated adapter's key (a copy). */
    @Override
    public double[] distances() {
        return distances.clone();
    }

    public int size() {
        return adapters.length;
    }

    public int adapter(int i) {
        return adapters[i];
    }
}
