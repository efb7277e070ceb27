package ams.knowledge.search;

import java.util.Optional;

/**
 * Chooses the int8 kernel. The SIMD kernel is compiled against {@code jdk.incubator.vector} but
 * named here only as a string: a JVM started without {@code --add-modules jdk.incubator.vector}
 * never loads it and gets the scalar kernel (same results, about ten times slower at 384
 * dimensions).
 */
final class Int8Kernels {

    static final String VECTOR_KERNEL = "ams.knowledge.search.VectorInt8DotProduct";

    /**
     * Set to {@code false} to use the scalar kernel even where the SIMD one would load (to compare
     * them, or to rule the SIMD kernel out).
     */
    static final String SIMD_PROPERTY = "ams.knowledge.simd";

    /** The kernel every search uses: SIMD when available and not switched off, else scalar. */
    static final Int8DotProduct SELECTED = select();

    private Int8Kernels() {}

    static Int8DotProduct select() {
        if (!Boolean.parseBoolean(System.getProperty(SIMD_PROPERTY, "true"))) {
            return new ScalarInt8DotProduct();
        }
        return vector().orElseGet(ScalarInt8DotProduct::new);
    }

    /**
     * The SIMD kernel, when this JVM resolved the incubating Vector API and it has lanes to use.
     */
    static Optional<Int8DotProduct> vector() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(
                    Class.forName(VECTOR_KERNEL)
                            .asSubclass(Int8DotProduct.class)
                            .getDeclaredConstructor()
                            .newInstance());
        } catch (ReflectiveOperationException | LinkageError e) {
            // Includes the kernel's own refusal (an InvocationTargetException): too few lanes.
            return Optional.empty();
        }
    }
}
