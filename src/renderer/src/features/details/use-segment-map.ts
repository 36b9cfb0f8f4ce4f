import { useEffect, useState } from 'react'
import type { SegmentMap } from '../../../../shared/protocol/details.ts'
import { currentClient } from '../../store/engine-sink.ts'

/**
 * Watches one download's connection map while mounted: `watchSegments` gives the first map,
 * then each `segments/beat` carrying this id replaces it; unmounting or another id unwatches
 * (the engine sends segment state only while someone watches). The panel is keyed by id, so
 * a new id is a new mount and starts from null.
 */
export function useSegmentMap(id: string): SegmentMap | null {
  const [map, setMap] = useState<SegmentMap | null>(null)
  useEffect(() => {
    const client = currentClient()
    if (client === null) return
    let live = true
    const off = client.on('segments/beat', (beat) => {
      const item = beat.items.find((m) => m.id === id)
      if (item && live) setMap(item)
    })
    client.watchSegments(id).then(
      (first) => {
        if (live) setMap((current) => current ?? first)
      },
      () => {},
    )
    return () => {
      live = false
      off()
      void client.unwatchSegments(id).catch(() => {})
    }
  }, [id])
  return map
}
