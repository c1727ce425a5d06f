/**
 * Client-side routing on the History API: the path and query of
 * `location` are the app's state, so every page and drill-down has an
 * address that can be bookmarked or opened in a new tab.
 */
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const locationListeners = new Set<() => void>();

function notify(): void {
  for (const listener of locationListeners) listener();
}

window.addEventListener('popstate', notify);

function subscribe(listener: () => void): () => void {
  locationListeners.add(listener);
  return () => locationListeners.delete(listener);
}

function snapshot(): string {
  return `${location.pathname}${location.search}`;
}

/** Goes to an address inside the app; `replace` keeps the history entry. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.scrollTo(0, 0);
  notify();
}

export interface Location {
  path: string;
  query: URLSearchParams;
}

/** The current path and query; re-renders the caller when they change. */
export function useLocation(): Location {
  const current = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(current, 'http://app.invalid');
  return { path: url.pathname, query: url.searchParams };
}

/** A link that changes page without reloading; a modified click opens the browser's default. */
export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const handleClick = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={handleClick} {...rest} />;
}
