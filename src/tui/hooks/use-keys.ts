import { useInput } from 'ink'
import type { KeyPress } from '../navigation.js'

/** Calls `onKey` with each key press, named (arrows, tab, enter…) or as the typed character. */
export function useKeys(onKey: (key: KeyPress) => void, active = true): void {
  useInput(
    (input, key) => {
      if (key.ctrl && input === 'c') return onKey('ctrl-c')
      if (key.upArrow) return onKey('up')
      if (key.downArrow) return onKey('down')
      if (key.tab) return onKey(key.shift ? 'shift-tab' : 'tab')
      if (key.return) return onKey('enter')
      if (key.escape) return onKey('escape')
      if (key.pageUp) return onKey('pageup')
      if (key.pageDown) return onKey('pagedown')
      if (key.home) return onKey('home')
      if (key.end) return onKey('end')
      // Terminals send DEL (0x7f) for the backspace key; Ink names it `delete`.
      if (key.backspace || key.delete) return onKey('backspace')
      if (key.ctrl || key.meta || input.length === 0) return
      for (const char of input) onKey({ char })
    },
    { isActive: active },
  )
}
