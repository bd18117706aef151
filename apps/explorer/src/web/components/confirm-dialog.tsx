export interface Question {
  text: string
  answer: (yes: boolean) => void
}

/** An in-page confirmation (not window.confirm, which blocks the page and its rendering). */
export function ConfirmDialog ({ question }: { question: Question | null }) {
  if (!question) return null
  return (
    <div class='modal-backdrop'>
      <div class='modal' role='alertdialog' aria-modal='true' aria-label='confirm'>
        <p>{question.text}</p>
        <div class='inline'>
          <button class='danger' onClick={() => question.answer(true)} data-testid='confirm-yes'>Yes, delete</button>
          <button onClick={() => question.answer(false)}>Cancel</button>
        </div>
      </div>
    </div>
  )
}
