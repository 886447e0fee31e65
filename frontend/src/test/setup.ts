import '@testing-library/jest-dom/vitest'
import { cleanup, configure } from '@testing-library/react'
import { afterEach } from 'vitest'

// waitFor/findBy wait up to 5 s (default 1 s): the page tests walk a queue of several fake requests,
// which takes over a second on a shared two-core machine under load.
configure({ asyncUtilTimeout: 5000 })

afterEach(() => cleanup())
