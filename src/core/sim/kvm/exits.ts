// VM exit reasons as the kvm_exit tracepoint prints them: VMX_EXIT_REASONS
// (arch/x86/include/uapi/asm/vmx.h) on Intel, SVM_EXIT_REASONS (uapi/asm/svm.h) on AMD.

export type Vendor = 'intel' | 'amd';

export interface ExitReasons {
  /** Pause-loop exit (handle_pause) / pause filter intercept (pause_interception). */
  pause: string;
  hlt: string;
  /** A host interrupt: the reschedule IPI that kicks a running vCPU, or the host's own. */
  interrupt: string;
  /** WRMSR, here the x2APIC ICR write that sends an IPI. */
  msrWrite: string;
}

export const EXIT_REASONS: Record<Vendor, ExitReasons> = {
  intel: { pause: 'PAUSE_INSTRUCTION', hlt: 'HLT', interrupt: 'EXTERNAL_INTERRUPT', msrWrite: 'MSR_WRITE' },
  amd: { pause: 'pause', hlt: 'hlt', interrupt: 'interrupt', msrWrite: 'msr' },
};
