package ai.mozaiks.outbound;

import io.netty.resolver.AbstractAddressResolver;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Name resolution for one request: whatever host the connection asks for resolves to the one address that
 * was vetted, so the connection can go nowhere else (no second lookup, no rebinding). The host name itself
 * stays on the request: the {@code Host} header, TLS SNI and certificate checks use it.
 */
final class PinnedResolverGroup extends AddressResolverGroup<InetSocketAddress> {
    private final InetAddress address;

    PinnedResolverGroup(InetAddress address) {
        this.address = address;
    }

    /** A fresh resolver each time: the group lives for one request, so nothing is cached or registered. */
    @Override
    public AddressResolver<InetSocketAddress> getResolver(EventExecutor executor) {
        return newResolver(executor);
    }

    @Override
    protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
        return new Pinned(executor, address);
    }

    private static final class Pinned extends AbstractAddressResolver<InetSocketAddress> {
        private final InetAddress address;

        Pinned(EventExecutor executor, InetAddress address) {
            super(executor, InetSocketAddress.class);
            this.address = address;
        }

        @Override
        protected boolean doIsResolved(InetSocketAddress unresolved) {
            return !unresolved.isUnresolved();
        }

        @Override
        protected void doResolve(InetSocketAddress unresolved, Promise<InetSocketAddress> promise) {
            promise.setSuccess(new InetSocketAddress(address, unresolved.getPort()));
        }

        @Override
        protected void doResolveAll(InetSocketAddress unresolved, Promise<List<InetSocketAddress>> promise) {
            promise.setSuccess(List.of(new InetSocketAddress(address, unresolved.getPort())));
        }
    }
}
