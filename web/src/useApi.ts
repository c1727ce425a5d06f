import { useCallback, useEffect, useState } from 'react';
import { ApiError, get } from './api.js';

export interface ApiState<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload(): void;
}

/**
 * Loads `GET path` and loads it again whenever the path changes; a null
 * path loads nothing. A response that arrives after a newer request
 * started is dropped.
 */
export function useApi<T>(path: string | null): ApiState<T> {
  const [state, setState] = useState<{ path: string | null; data: T | null; error: ApiError | null }>({
    path: null,
    data: null,
    error: null,
  });
  const [version, setVersion] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let current = true;
    get<T>(path).then(
      (data) => {
        if (current) setState({ path, data, error: null });
      },
      (error: unknown) => {
        if (!current) return;
        const apiError = error instanceof ApiError ? error : new ApiError(0, 'client_error', String(error));
        setState({ path, data: null, error: apiError });
      },
    );
    return () => {
      current = false;
    };
  }, [path, version]);
  const reload = useCallback(() => setVersion((value) => value + 1), []);
  const loading = path !== null && state.path !== path;
  return { data: loading ? null : state.data, error: loading ? null : state.error, loading, reload };
}
